import AITBCClient
import HTTP1
import HTTPServer
import JSON
import Receipts
import Testing
import WireModels

/// How the SDK reads answers it cannot get from a well-behaved coordinator: paging cursors,
/// hostile error text, bodies that are not the documented shape.
@Suite struct ResponseHandlingTests {
    static let jobID = JobID(String(repeating: "ab", count: 16))

    /// A page of receipts `{"receipt_id": "<n>", "job_id": <jobID>}` built from WireModels' types.
    static func page(_ numbers: [Int], next: String?, jobID: String = String(repeating: "ab", count: 16)) -> Response {
        let items = numbers.compactMap { try? ReceiptDocument(json: ["receipt_id": .string(String($0)), "job_id": .string(jobID)]) }
        return ScriptedCoordinator.json(.ok, ListPage(items: items, nextCursor: next).text)
    }

    @Test func receiptsFollowTheCursorUntilThereIsNone() async throws {
        let id = try #require(Self.jobID)
        try await ScriptedCoordinator.with({ attempt in
            switch attempt {
            case 1: Self.page([1, 2], next: "c1")
            case 2: Self.page([3], next: "c2")
            default: Self.page([], next: nil)
            }
        }) { server in
            let jobs = JobsClient(configuration: AITBCConfiguration(baseURL: server.baseURL, apiKey: "k"))
            var seen: [String] = []
            for try await receipt in jobs.receipts(id, pageSize: 2) {
                seen.append(receipt[field: "receipt_id"]?.stringValue ?? "?")
            }
            #expect(seen == ["1", "2", "3"])
            let paths = server.requests.map(\.path)
            #expect(paths.allSatisfy { $0 == "/v1/jobs/\(id.rawValue)/receipts" })
            #expect(server.requests.count == 3)
        }
    }

    /// spec/wallet-daemon.md §12: a page may be a bare list of receipts, the whole history.
    @Test func aBareListPageIsReadAsTheLastPage() async throws {
        let id = try #require(Self.jobID)
        let receipt = #"{"receipt_id":"r1","job_id":"\#(id.rawValue)"}"#
        try await ScriptedCoordinator.with({ _ in ScriptedCoordinator.json(.ok, "[\(receipt),\(receipt)]") }) { server in
            let jobs = JobsClient(configuration: AITBCConfiguration(baseURL: server.baseURL, apiKey: "k"))
            let page = try await jobs.receiptsPage(id)
            #expect(page.items.count == 2 && page.nextCursor == nil)
        }
    }

    @Test func aCursorThatDoesNotMoveEndsTheSequence() async throws {
        let id = try #require(Self.jobID)
        try await ScriptedCoordinator.with({ _ in Self.page([1], next: "same") }) { server in
            let jobs = JobsClient(configuration: AITBCConfiguration(baseURL: server.baseURL, apiKey: "k"))
            var count = 0
            for try await _ in jobs.receipts(id) { count += 1 }
            #expect(count == 2)
            #expect(server.requests.count == 2)
        }
    }

    @Test func coordinatorTextIsEscapedAndBounded() {
        let hostile = ErrorResponse(
            detail: "x", code: "\u{1B}[2JBAD", message: "line one\n\u{1B}]0;owned\u{07}" + String(repeating: "m", count: 1_000))
        let error = AITBCError.rejection(status: 409, body: hostile.bytes)
        #expect(error.code == "\\u{1B}[2JBAD")
        #expect(error.message.hasPrefix("line one\\u{A}\\u{1B}]0;owned\\u{7}mmm"))
        // Cut at maxMessageLength − 1 scalars of the original, then "…" (escapes are longer than what they replace).
        #expect(error.message.hasSuffix("m…"))
        #expect(error.message.unicodeScalars.count < AITBCError.maxMessageLength + 20)
        #expect(error.body == hostile.bytes)
        // Only the legacy `detail`: the code is derived from the status.
        let legacy = AITBCError.rejection(status: 425, body: Array(#"{"detail":"job not ready"}"#.utf8))
        #expect(legacy.code == "JOB_NOT_READY" && legacy.message == "job not ready" && legacy.serverCode == nil)
        // No body at all.
        let bare = AITBCError.rejection(status: 503, body: [])
        #expect(bare.code == "HTTP_503" && bare.message == "HTTP 503" && bare.serverMessage == nil)
    }

    @Test func aBodyThatIsNotTheDocumentedShapeIsAnInvalidResponse() async throws {
        let id = try #require(Self.jobID)
        try await ScriptedCoordinator.with({ attempt in
            attempt == 1 ? ScriptedCoordinator.json(.ok, "not json") : ScriptedCoordinator.json(.ok, #"{"job_id":"../etc"}"#)
        }) { server in
            let jobs = JobsClient(configuration: AITBCConfiguration(baseURL: server.baseURL, apiKey: "k"))
            for _ in 1...2 {
                await #expect {
                    _ = try await jobs.job(id)
                } throws: { error in
                    (error as? AITBCError)?.kind == .invalidResponse && (error as? AITBCError)?.status == 200
                }
            }
        }
    }

    @Test func resultIsNotReadyOn425() async throws {
        let id = try #require(Self.jobID)
        try await ScriptedCoordinator.with({ _ in
            ScriptedCoordinator.json(.tooEarly, ErrorResponse(detail: "job not ready", code: "JOB_NOT_READY", message: "job not ready").text)
        }) { server in
            let jobs = JobsClient(configuration: AITBCConfiguration(baseURL: server.baseURL, apiKey: "k"))
            let outcome = try await jobs.result(id)
            #expect(outcome == .notReady)
            #expect(server.requests.count == 1)
        }
    }

    /// A genuinely signed receipt of another job verifies against the pinned keys, so the SDK
    /// must not hand it over as this job's (attack report, issue 11 rework: `aitbc receipt fetch
    /// A --verify` exited 0 on a receipt of job B served in its place).
    @Test func aReceiptOfAnotherJobIsAnInvalidResponse() async throws {
        let id = try #require(Self.jobID)
        let other = String(repeating: "cd", count: 16)
        let receipt = #"{"receipt_id":"r1","job_id":"\#(other)","units":1.0}"#
        try await ScriptedCoordinator.with({ attempt in
            switch attempt {
            case 1: ScriptedCoordinator.json(.ok, receipt)
            case 2: ScriptedCoordinator.json(.ok, #"{"receipt_id":"r2"}"#)
            default: Self.page([1], next: nil, jobID: other)
            }
        }) { server in
            let jobs = JobsClient(configuration: AITBCConfiguration(baseURL: server.baseURL, apiKey: "k"))
            for _ in 1...2 {
                await #expect {
                    _ = try await jobs.latestReceipt(id)
                } throws: { error in
                    (error as? AITBCError)?.kind == .invalidResponse
                }
            }
            await #expect {
                _ = try await jobs.receiptsPage(id)
            } throws: { error in
                (error as? AITBCError)?.kind == .invalidResponse
            }
        }
    }
}
