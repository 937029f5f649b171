import Coordinator
import HTTPServer
import JSON
import Testing
import WireModels

@Suite struct JobStateMachineTests {
    /// The complete allowed table of spec §7; everything else must be refused.
    static let allowed: [JobTransition: [JobState: JobState]] = [
        .assign: [.queued: .running],
        .expire: [.queued: .expired],
        .cancel: [.queued: .canceled, .running: .canceled],
        .complete: [.running: .completed],
        .fail: [.running: .failed],
        .requeue: [.running: .queued],
        .exhaust: [.running: .failed],
    ]

    @Test(arguments: JobTransition.allCases, JobState.allCases)
    func everyTransitionIsAllowedOrRefused(transition: JobTransition, state: JobState) {
        if let target = Self.allowed[transition]?[state] {
            #expect(throws: Never.self) { try JobStateMachine.target(of: transition, from: state) }
            #expect((try? JobStateMachine.target(of: transition, from: state)) == target)
        } else if transition == .cancel {
            #expect(throws: CoordinatorError.jobNotCancelable(state: state)) { try JobStateMachine.target(of: transition, from: state) }
        } else {
            #expect(throws: CoordinatorError.self) { try JobStateMachine.target(of: transition, from: state) }
            #expect(!JobStateMachine.allows(transition, from: state))
        }
    }

    @Test(arguments: JobState.allCases)
    func terminalStatesHaveNoExit(state: JobState) {
        let exits = JobTransition.allCases.filter { JobStateMachine.allows($0, from: state) }
        #expect(exits.isEmpty == state.isTerminal)
    }

    @Test func errorsMapToDocumentedStatusAndDetail() {
        let cases: [(CoordinatorError, Int, String, String)] = [
            (.jobNotFound, 404, "JOB_NOT_FOUND", "job not found"),
            (.jobNotReady, 425, "JOB_NOT_READY", "job not ready"),
            (.jobNotCancelable(state: .completed), 409, "CONFLICT_STATE", "job not cancelable"),
            (.forbidden("x"), 403, "FORBIDDEN", "x"),
            (.invalidPayload("ttl"), 422, "INVALID_PAYLOAD", "ttl"),
            (.payloadTooLarge(limit: 10), 413, "PAYLOAD_TOO_LARGE", "payload too large (limit 10 bytes)"),
            (.unauthorized(.missing), 401, "UNAUTHORIZED_KEY", "invalid api key"),
            (.unauthorized(.unknown), 401, "UNAUTHORIZED_KEY", "invalid api key"),
            (.rateLimited(retryAfterSeconds: 3), 429, "RATE_LIMITED", "rate limit exceeded"),
            (.minerNotRegistered, 404, "MINER_NOT_REGISTERED", "miner not registered"),
            (.receiptNotAvailable(state: .failed), 404, "RECEIPT_NOT_AVAILABLE", "receipt not available"),
            (.idempotencyConflict, 409, "CONFLICT_STATE", "idempotency key reused with a different body"),
        ]
        for (error, status, code, detail) in cases {
            #expect(error.httpStatus == status)
            #expect(error.code == code)
            #expect(error.detail == detail)
        }
        #expect(CoordinatorError.storage("disk I/O").detail == "internal error")
    }

    /// The HTTP answer (`CoordinatorHTTP.httpError`) and the WebSocket error frame's body
    /// (`CoordinatorError.body`) carry the same code, message, detail and details.
    @Test(arguments: [
        CoordinatorError.rateLimited(retryAfterSeconds: 3), .payloadTooLarge(limit: 10), .queueQuotaExceeded(limit: 5),
        .constraintSetQuotaExceeded(limit: 64), .minerKeyPinned(minerID: "m1"), .minerKeyRequired(minerID: "m1"), .jobNotFound,
        .unauthorized(.unknown),
    ])
    func httpAndWebSocketErrorBodiesAgree(error: CoordinatorError) throws {
        guard case .bytes(let bytes) = CoordinatorHTTP.httpError(error).response.body else {
            Issue.record("not a byte body")
            return
        }
        let http = try JSONParser(limits: .init(maxInputBytes: 1 << 16)).parse(bytes)
        let frame = error.body
        #expect(http["detail"] == frame["detail"])
        #expect(http["error"]?["code"] == frame["error"]?["code"])
        #expect(http["error"]?["message"] == frame["error"]?["message"])
        #expect(http["error"]?["details"] == (frame["error"]?["details"] ?? .object([])))
    }

    /// Issue #12: `error.message` names the cause and the fix where the legacy `detail` cannot.
    @Test(arguments: [
        (CoordinatorError.unauthorized(.missing), "no API key: send X-Api-Key or Authorization: Bearer"),
        (.unauthorized(.unknown), "unknown API key"),
        (.unauthorized(.otherRole(keyRole: .miner, routeRole: .client)), "this is a miner key; this route needs a client key"),
        (.unauthorized(.otherRole(keyRole: .client, routeRole: .admin)), "this is a client key; this route needs an admin key"),
        (.receiptNotAvailable(state: .canceled), "receipt not available: the job is CANCELED; only COMPLETED jobs get a receipt"),
        (.jobNotFound, "job not found"),
    ])
    func messagesNameTheCauseAndTheFix(error: CoordinatorError, message: String) {
        #expect(error.message == message)
        #expect(error.body["error"]?["message"]?.stringValue == message)
    }
}
