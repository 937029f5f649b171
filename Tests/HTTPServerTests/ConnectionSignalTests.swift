import Foundation
import HTTP1
import HTTPServer
import Synchronization
import TestSupport
import Testing

/// `RequestContext.connection`: a handler still running learns that its peer hung up (a long
/// poll must not commit work to an answer nobody reads), and a peer that stays sees it false.
@Suite struct ConnectionSignalTests {
    @Test func aRunningHandlerSeesItsPeerHangUp() async throws {
        let router = makeTestRouter()
        let observed = Mutex<[Bool]>([])
        router.get("/wait") { _, context in
            // Waits (bounded) for the peer to go, then notes what it saw.
            for _ in 0..<200 where !context.connection.peerClosed { try? await Task.sleep(for: .milliseconds(10)) }
            observed.withLock { $0.append(context.connection.peerClosed) }
            return Response(body: .bytes(Array("done".utf8)))
        }
        router.get("/quick") { _, context in
            observed.withLock { $0.append(context.connection.peerClosed) }
            return Response(body: .bytes(Array("ok".utf8)))
        }
        try await withServer(HTTPServerConfiguration(eventLoopThreads: 1), router: router) { _, port in
            let staying = try HTTPTestConnection(port: port)
            try staying.send("GET /quick HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(try staying.readResponse().status == 200)
            do {
                let leaving = try HTTPTestConnection(port: port)
                try leaving.send("GET /wait HTTP/1.1\r\nHost: t\r\n\r\n")
                Thread.sleep(forTimeInterval: 0.1)
            }
            var waited = 0
            while observed.withLock({ $0.count }) < 2, waited < 300 {
                Thread.sleep(forTimeInterval: 0.01)
                waited += 1
            }
        }
        #expect(observed.withLock { $0 } == [false, true])
    }
}
