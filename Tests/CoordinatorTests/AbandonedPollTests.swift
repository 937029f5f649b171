import Coordinator
import Foundation
import JSON
import TestSupport
import Testing

/// Found by the issue 10 reviews: a miner that hung up during a long poll (SIGTERM drain,
/// crash) was still assigned the next job, which then sat RUNNING for the dead miner until
/// its heartbeat timed out (and lost an attempt). A poll whose peer is gone claims nothing.
@Suite struct AbandonedPollTests {
    typealias H = CoordinatorServerHarness

    @Test func aPollWhoseMinerHungUpIsAssignedNothing() async throws {
        try await H.with { (server: H) async throws in
            try await server.register()
            let port = server.port
            // A poll parked for up to 20 s, then the miner goes away without waiting for it.
            try await onOwnThread {
                Result { () throws -> Void in
                    let connection = try HTTPTestConnection(port: port)
                    let body = #"{"max_wait_seconds":20}"#
                    try connection.send(
                        "POST /v1/miners/poll HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Api-Key: \(H.miner1Key)\r\n"
                            + "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
                    Thread.sleep(forTimeInterval: 0.3)
                }
            }.get()
            try await Task.sleep(for: .milliseconds(200))
            let jobID = try await server.submit()
            try await Task.sleep(for: .milliseconds(500))
            let view = try await server.request("GET", "/v1/jobs/\(jobID)", key: H.aliceKey).json()
            #expect(view["state"] == "QUEUED")
            #expect(view["assigned_miner_id"] == .null)
            // A miner that is there gets it at once.
            #expect(try await server.poll() == jobID)
        }
    }
}
