import Coordinator
import HTTP1
import HTTPClient
import JSON
import TestSupport
import Testing
import WebSocket
import WireModels

/// The WebSocket channels (spec §13) against an in-process coordinator over loopback.
@Suite(.serialized) struct CoordinatorWebSocketTests {
    typealias H = CoordinatorServerHarness

    enum Timeout: Error { case expired }

    /// The next message as JSON, failing after `seconds`.
    static func next(_ connection: WebSocketConnection, seconds: Int = 10) async throws -> JSONValue {
        try await withThrowingTaskGroup(of: JSONValue?.self) { group in
            group.addTask {
                guard case .text(let text)? = try await connection.receive() else { return nil }
                return try JSONParser(limits: .init(maxInputBytes: 1 << 20)).parse(text)
            }
            group.addTask {
                try await Task.sleep(for: .seconds(seconds))
                throw Timeout.expired
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let message = first else { throw Timeout.expired }
            return message
        }
    }

    static func send(_ connection: WebSocketConnection, _ value: JSONValue) throws {
        try connection.send(text: try JSONSerializer().string(value))
    }

    @Test func upgradeIsAuthenticatedBeforeTheHandshake() async throws {
        try await H.with { server in
            #expect(try await server.request("GET", "/v1/ws/client").status == 401)
            #expect(try await server.request("GET", "/v1/ws/client", key: H.miner1Key).status == 401)
            #expect(try await server.request("GET", "/v1/ws/miner", key: H.aliceKey).status == 401)
            // Unregistered miner, foreign job: ordinary 404s, no upgrade.
            #expect(try await server.request("GET", "/v1/ws/miner", key: H.miner1Key).status == 404)
            let jobID = try await server.submit()
            #expect(try await server.request("GET", "/v1/ws/client?job_id=\(jobID)", key: H.bobKey).status == 404)
            // Authenticated but not a WebSocket request: the handshake refuses it.
            #expect(try await server.request("GET", "/v1/ws/client?job_id=\(jobID)", key: H.aliceKey).status == 400)
        }
    }

    @Test func clientChannelStreamsStateChangesAndResultReady() async throws {
        try await H.with { server in
            try await server.register()
            let jobID = try await server.submit()
            // Browsers cannot set headers on a WebSocket: the key may come as `api_key`.
            let socket = try await WebSocketClient.connect(
                url: "ws://127.0.0.1:\(server.port)/v1/ws/client?job_id=\(jobID)&api_key=\(H.aliceKey)")
            while server.service.coordinator.events.subscriberCount == 0 { try await Task.sleep(for: .milliseconds(10)) }
            #expect(try await server.poll() == jobID)
            let running = try await Self.next(socket)
            #expect(running["type"] == "state.changed")
            #expect(running["job_id"] == .string(jobID))
            #expect(running["state"] == "RUNNING")
            #expect(running["at"]?.stringValue?.hasSuffix("Z") == true)
            let done = try await server.request("POST", "/v1/miners/\(jobID)/result", key: H.miner1Key, body: #"{"result":{"ok":1}}"#)
            let receiptID = try done.json()["receipt"]?["receipt_id"]
            let completed = try await Self.next(socket)
            #expect(completed["state"] == "COMPLETED")
            let ready = try await Self.next(socket)
            #expect(ready["type"] == "result.ready")
            #expect(ready["receipt_id"] == receiptID)
            await socket.close()
        }
    }

    /// Found by the issue 10 black-box review: the client channel read 200 × 1 MB frames per key
    /// (it acts on no client message). A message past 4 KiB now closes it with 1009 unread.
    @Test func clientChannelRefusesLargeMessages() async throws {
        try await H.with { server in
            let socket = try await WebSocketClient.connect(url: "ws://127.0.0.1:\(server.port)/v1/ws/client?api_key=\(H.aliceKey)")
            try socket.send(text: String(repeating: "x", count: 8_192))
            while try await socket.receive() != nil {}
            #expect(socket.closeStatus?.code == .messageTooBig)
        }
    }

    @Test func minerChannelPushesJobsAndAcknowledgesReports() async throws {
        try await H.with { server in
            try await server.register()
            var headers = HTTPHeaders()
            headers.add(name: "Authorization", value: "Bearer \(H.miner1Key)")
            let socket = try await WebSocketClient.connect(url: "ws://127.0.0.1:\(server.port)/v1/ws/miner", headers: headers)
            let jobID = try await server.submit()
            let assigned = try await Self.next(socket)
            #expect(assigned["type"] == "job.assigned")
            #expect(assigned["job_id"] == .string(jobID))
            #expect(assigned["payload"] == ["task": "infer"])
            #expect(assigned["constraints"]?.objectValue?.count == 6)

            try Self.send(socket, ["type": "heartbeat", "inflight": 1, "id": 1, "jobs": [.string(jobID)]])
            let beat = try await Self.next(socket)
            #expect(beat["type"] == "ack")
            #expect(beat["id"] == 1)
            #expect(beat["status"] == 200)
            // The HTTP answer's body: nothing to stop while the job runs here.
            #expect(beat["body"] == ["status": "ok"])

            try Self.send(socket, ["type": "result", "job_id": .string(jobID), "result": ["text": "done"], "id": 2])
            let ack = try await Self.next(socket)
            #expect(ack["type"] == "ack")
            #expect(ack["request_type"] == "result")
            #expect(ack["id"] == 2)
            #expect(ack["body"]?["receipt"]?["job_id"] == .string(jobID))
            #expect(try await server.request("GET", "/v1/jobs/\(jobID)", key: H.aliceKey).json()["state"] == "COMPLETED")

            // Errors carry the HTTP status and error body the route would have answered.
            try Self.send(socket, ["type": "fail", "job_id": .string(jobID), "error_code": "X", "error_message": "late", "id": 3])
            let conflict = try await Self.next(socket)
            #expect(conflict["type"] == "error")
            #expect(conflict["status"] == 409)
            #expect(conflict["body"]?["error"]?["code"] == "CONFLICT_STATE")
            // Completed by this miner: never named in `stop_jobs`, even while still listed.
            try Self.send(socket, ["type": "heartbeat", "jobs": [.string(jobID)], "id": 5])
            #expect(try await Self.next(socket)["body"] == ["status": "ok"])
            try Self.send(socket, ["type": "dance"])
            #expect(try await Self.next(socket)["status"] == 422)
            // Issue #12: a misspelt member is refused, naming it and what a message may carry.
            try Self.send(socket, ["type": "heartbeat", "inflite": 1, "id": 4])
            let unknown = try await Self.next(socket)
            #expect(unknown["status"] == 422)
            #expect(unknown["id"] == 4)
            #expect(
                unknown["body"]?["detail"]
                    == #"unknown field "inflite" in message (known: type, id, job_id, status, inflight, metadata, jobs)"#)
            await socket.close()
        }
    }

    /// The miner channel's frames are the WireModels messages, and a `job_id` that is no job
    /// id is refused like an unknown job (the HTTP route's 404), before anything is stored.
    @Test func minerChannelFramesAreWireMessages() async throws {
        try await H.with { server in
            try await server.register()
            var headers = HTTPHeaders()
            headers.add(name: "Authorization", value: "Bearer \(H.miner1Key)")
            let socket = try await WebSocketClient.connect(url: "ws://127.0.0.1:\(server.port)/v1/ws/miner", headers: headers)
            let jobID = try await server.submit()
            guard case .jobAssigned(let assigned) = try MinerChannelEvent(json: try await Self.next(socket)) else {
                Issue.record("expected job.assigned")
                return
            }
            #expect(assigned.job.jobID.rawValue == jobID)
            let malformed = MinerChannelRequest(operation: .result(JobResultReport(result: ["text": "done"])), id: "m1")
            var json = malformed.json.objectValue ?? []
            json.append(JSONMember(key: "job_id", value: "../../etc"))
            try Self.send(socket, .object(json))
            guard case .reply(let refusal) = try MinerChannelEvent(json: try await Self.next(socket)) else {
                Issue.record("expected an error reply")
                return
            }
            #expect(refusal.type == "error" && refusal.status == 404 && refusal.jobID == "../../etc" && refusal.id == "m1")
            #expect(try ErrorResponse(json: refusal.body).code == "JOB_NOT_FOUND")
            let report = MinerChannelRequest(operation: .result(JobResultReport(result: ["text": "done"])), jobID: assigned.job.jobID, id: 9)
            try connectionSend(socket, report)
            guard case .reply(let ack) = try MinerChannelEvent(json: try await Self.next(socket)) else {
                Issue.record("expected an ack")
                return
            }
            #expect(ack.isAck && ack.requestType == "result" && ack.id == 9)
            #expect(try CompletionResponse(json: ack.body).receipt?.json["job_id"] == .string(jobID))
            await socket.close()
        }
    }

    /// Sends a WireModels message as a text frame.
    func connectionSend(_ connection: WebSocketConnection, _ message: some WireMessage) throws {
        try connection.send(text: message.text)
    }

    @Test func shutdownClosesOpenChannelsWithGoingAway() async throws {
        let server = try await H.start()
        let socket = try await WebSocketClient.connect(
            url: "ws://127.0.0.1:\(server.port)/v1/ws/client", headers: ["X-Api-Key": H.aliceKey])
        while server.service.webSockets.openCount == 0 { try await Task.sleep(for: .milliseconds(10)) }
        // A live client keeps reading, which answers the server's close frame.
        let reader = Task { try await socket.receive() }
        await server.stop()
        #expect(try await reader.value == nil)
        #expect(socket.closeStatus?.code == .goingAway)
    }
}
