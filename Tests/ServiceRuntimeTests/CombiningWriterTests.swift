import Foundation
import Glibc
import Testing

@testable import ServiceRuntime

/// `CombiningWriter` (behind `JSONLogHandler.standardOutput`): lines from many threads arrive
/// whole, none lost, each thread's in its own order.
@Suite struct CombiningWriterTests {
    @Test func concurrentLinesArriveWholeAndInOrderPerThread() throws {
        let path = NSTemporaryDirectory() + "combining-\(UUID().uuidString).log"
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        try #require(fd >= 0)
        defer { unlink(path) }
        let writer = CombiningWriter(fd: fd)
        let threads = 8
        let linesPerThread = 2_000
        // Blocking threads of our own (not the cooperative pool), released together.
        let done = DispatchGroup()
        for t in 0..<threads {
            done.enter()
            let thread = Thread {
                for i in 0..<linesPerThread {
                    writer.write(Array("{\"thread\":\(t),\"line\":\(i),\"pad\":\"\(String(repeating: "x", count: i % 97))\"}\n".utf8))
                }
                done.leave()
            }
            thread.start()
        }
        #expect(done.wait(timeout: .now() + 60) == .success)
        close(fd)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        #expect(lines.count == threads * linesPerThread)
        var next = [Int](repeating: 0, count: threads)
        for line in lines {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let t = try #require(object["thread"] as? Int)
            let i = try #require(object["line"] as? Int)
            #expect(i == next[t], "thread \(t) out of order")
            next[t] = i + 1
        }
        #expect(next == [Int](repeating: linesPerThread, count: threads))
    }
}
