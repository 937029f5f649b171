import Foundation
import TestSupport
import Testing

@testable import Coordinator

@Suite struct ResultFileStoreTests {
    /// `writeBatched` may rerun a body after another body of its batch failed; the rerun must
    /// find the result already in place rather than fail the completion.
    @Test func publishingTwiceIsIdempotent() throws {
        let directory = try TemporaryDirectory(prefix: "results")
        let store = ResultFileStore(dataDirectory: directory.path(""))
        let temporary = try store.writeTemporary(jobID: "job1", bytes: Array("{\"big\":true}".utf8))
        try store.publish(temporaryPath: temporary, jobID: "job1")
        try store.publish(temporaryPath: temporary, jobID: "job1")
        #expect(try store.read(jobID: "job1") == Array("{\"big\":true}".utf8))
    }

    @Test func publishingAMissingFileStillFails() throws {
        let directory = try TemporaryDirectory(prefix: "results")
        let store = ResultFileStore(dataDirectory: directory.path(""))
        #expect(throws: CoordinatorError.self) {
            try store.publish(temporaryPath: directory.path("nothing.tmp"), jobID: "job2")
        }
    }
}
