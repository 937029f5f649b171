import Coordinator
import JSON
import Testing
import WireModels

/// Issue 10 defect 1: the miner decided what the client pays. Each attack from the report is
/// a case here; the coordinator now bills from facts it controls (`Billing`).
@Suite struct BillingTests {
    struct Setup {
        let harness: CoordinatorHarness
        let jobID: String
        let metrics: CapturingMetrics
    }

    /// A job of `payload` assigned to a miner with `capabilities`, then `wallSeconds` pass.
    func assigned(
        payload: JSONValue = ["type": "sha256", "input": "x"], capabilities: JSONValue = CoordinatorHarness.gpuCapabilities,
        constraints: JobConstraints = JobConstraints(), wallSeconds: Int64 = 10,
        configure: (inout CoordinatorConfiguration) -> Void = { _ in }
    ) async throws -> Setup {
        let metrics = CapturingMetrics()
        let harness = try await CoordinatorHarness.make(metrics: metrics, configure: configure)
        try await harness.register("miner-1", capabilities: capabilities)
        let job = try await harness.submit(payload: payload, constraints: constraints)
        let claimed = try #require(try await harness.store.claimNextJob(minerID: "miner-1"))
        #expect(claimed.jobID == job.id)
        harness.clock.advance(seconds: wallSeconds)
        return Setup(harness: harness, jobID: job.id, metrics: metrics)
    }

    func receipt(_ setup: Setup, result: JSONValue = .object([]), metrics: JSONValue) async throws -> JSONValue {
        try #require(
            try await setup.harness.store.complete(jobID: setup.jobID, minerID: "miner-1", result: result, metrics: metrics).receipt)
    }

    func expectRefused(_ setup: Setup, metrics: JSONValue, field: String, sourceLocation: SourceLocation = #_sourceLocation)
        async throws
    {
        do {
            _ = try await setup.harness.store.complete(jobID: setup.jobID, minerID: "miner-1", result: .object([]), metrics: metrics)
            Issue.record("accepted \(metrics)", sourceLocation: sourceLocation)
        } catch {
            #expect(error.httpStatus == 422, sourceLocation: sourceLocation)
            #expect(error.detail.hasPrefix(field + ":"), "\(error)", sourceLocation: sourceLocation)
        }
        #expect(try await setup.harness.store.job(id: setup.jobID, clientID: nil).state == .running, sourceLocation: sourceLocation)
        #expect(try await setup.harness.count("jobreceipt") == 0, sourceLocation: sourceLocation)
        #expect(setup.metrics.value("aitbc_coordinator_billing_rejections_total{field=\(field)}") == 1, sourceLocation: sourceLocation)
    }

    /// The report's first attack: 10⁹ `token_ops` on a job that is not an inference job.
    @Test func tokenUnitsOnATimeBilledJobAreRefused() async throws {
        let setup = try await assigned()
        try await expectRefused(setup, metrics: ["units": .float(1e9), "unit_type": "token_ops"], field: "unit_type")
    }

    /// `GPU_SECONDS` or `gpu_hours` escaped the wall-time cap: only the exact spellings of
    /// the job type's list are billable.
    @Test(arguments: ["GPU_SECONDS", "gpu_hours", "Gpu_Seconds", "seconds", "token_ops"])
    func unitTypesOutsideTheListAreRefused(unitType: String) async throws {
        let setup = try await assigned()
        try await expectRefused(setup, metrics: ["units": 5, "unit_type": .string(unitType)], field: "unit_type")
    }

    /// `units: 1e308` (and anything negative or not a number) is refused; nothing is stored.
    @Test(arguments: [JSONValue.float(1e308), .float(1e13), .integer(JSONInteger(-1)), .float(-0.5), .string("many"), .bool(true)])
    func unitsOutOfRangeAreRefused(units: JSONValue) async throws {
        let setup = try await assigned()
        try await expectRefused(setup, metrics: ["units": units, "unit_type": "gpu_seconds"], field: "units")
    }

    /// `metrics.price: 1e300` was signed although the client set `max_price: 1` and the miner
    /// registered 0.5: the price is the registered one, fixed at assignment; a price the miner
    /// reports is recorded (if it is a sane number) and never billed.
    @Test func thePriceIsTheRegisteredOneNeverTheReportedOne() async throws {
        let setup = try await assigned(constraints: JobConstraints(maxPrice: 1))
        try await expectRefused(setup, metrics: ["price": .float(1e300)], field: "price")
        let receipt = try await receipt(setup, metrics: ["price": 7, "units": 4, "unit_type": "gpu_seconds"])
        #expect(receipt["price"] == .float(0.5))
        #expect(receipt["metadata"]?["billing"]?["reported"]?["price"] == .float(7))
        #expect(receipt["metadata"]?["billing"]?["amount"] == .float(2))
    }

    /// A miner re-registering with a higher price after assignment does not change the
    /// price of a job it already holds.
    @Test func thePriceIsFixedAtAssignment() async throws {
        let setup = try await assigned()
        try await setup.harness.register("miner-1", capabilities: ["gpus": [["name": "A100"]], "price": 99])
        let receipt = try await receipt(setup, metrics: ["units": 1, "unit_type": "gpu_seconds"])
        #expect(receipt["price"] == .float(0.5))
    }

    /// Time units are capped at assignment → result wall time × assigned GPUs (one core for
    /// `cpu_seconds`); the report's figures are kept in `metadata.billing`, and a capped
    /// report is counted.
    @Test func timeUnitsAreCappedByTheObservedWallTime() async throws {
        let setup = try await assigned(wallSeconds: 10)
        let receipt = try await receipt(setup, metrics: ["units": .float(1e9), "unit_type": "gpu_seconds"])
        #expect(receipt["units"] == .float(10))
        #expect(receipt["unit_type"] == "gpu_seconds")
        let billing = try #require(receipt["metadata"]?["billing"])
        #expect(billing["reported"]?["units"] == .float(1e9))
        #expect(billing["reported"]?["unit_type"] == "gpu_seconds")
        #expect(billing["capped"] == true)
        #expect(billing["wall_ms"] == 10_000)
        #expect(setup.metrics.value("aitbc_coordinator_billing_capped_total{unit_type=gpu_seconds}") == 1)

        let cpu = try await assigned(capabilities: ["price": 1], wallSeconds: 3)
        let cpuReceipt = try await self.receipt(cpu, metrics: ["units": 48, "unit_type": "cpu_seconds"])
        #expect(cpuReceipt["units"] == .float(3))
        // An honest report under the cap is billed as reported.
        let honest = try await assigned(wallSeconds: 10)
        #expect(try await self.receipt(honest, metrics: ["units": 7.25, "unit_type": "gpu_seconds"])["units"] == .float(7.25))
        #expect(honest.metrics.value("aitbc_coordinator_billing_capped_total{unit_type=gpu_seconds}") == nil)
    }

    /// `gpu_seconds` from a miner that registered no GPU is refused; without a unit type the
    /// default follows the assignment (GPU miner: gpu_seconds, else cpu_seconds), wall time billed.
    @Test func gpuSecondsNeedAnAssignedGPU() async throws {
        let cpu = try await assigned(capabilities: .object([]))
        try await expectRefused(cpu, metrics: ["units": 1, "unit_type": "gpu_seconds"], field: "unit_type")
        let receipt = try await receipt(cpu, metrics: .object([]))
        #expect(receipt["unit_type"] == "cpu_seconds")
        #expect(receipt["units"] == .float(10))
        let gpu = try await assigned()
        #expect(try await self.receipt(gpu, metrics: .object([]))["unit_type"] == "gpu_seconds")
    }

    /// Inference jobs bill `token_ops` only, capped at the declared `options.num_predict`, else
    /// at `DEFAULT_JOB_TOKEN_LIMIT`.
    @Test func tokenUnitsAreCappedByTheDeclaredLimit() async throws {
        let declared = try await assigned(payload: ["type": "ollama.generate", "model": "m", "prompt": "p", "options": ["num_predict": 500]])
        try await expectRefused(declared, metrics: ["units": 5, "unit_type": "gpu_seconds"], field: "unit_type")
        let receipt = try await receipt(declared, metrics: ["units": .float(1e9), "unit_type": "token_ops"])
        #expect(receipt["units"] == .float(500))
        #expect(receipt["unit_type"] == "token_ops")
        #expect(receipt["metadata"]?["billing"]?["token_limit"] == 500)

        let undeclared = try await assigned(payload: ["model": "m", "prompt": "p"])
        let defaulted = try await self.receipt(undeclared, metrics: ["units": 1_000_000, "unit_type": "token_ops"])
        #expect(defaulted["units"] == .float(Double(undeclared.harness.configuration.defaultJobTokenLimit)))
        let honest = try await assigned(payload: ["model": "m", "prompt": "p"])
        #expect(try await self.receipt(honest, metrics: ["units": 321])["units"] == .float(321))
    }

    /// A declared limit outside 1...MAX_JOB_TOKEN_LIMIT is refused at submit.
    @Test(arguments: [JSONValue.integer(JSONInteger(0)), .integer(JSONInteger(-2)), .integer(JSONInteger(1_000_001)), .string("10"), .float(5.5)])
    func declaredTokenLimitsAreChecked(limit: JSONValue) async throws {
        let harness = try await CoordinatorHarness.make()
        await #expect(throws: CoordinatorError.self) {
            _ = try await harness.submit(payload: ["type": "ollama.generate", "model": "m", "prompt": "p", "options": ["num_predict": limit]])
        }
        _ = try await harness.submit(payload: ["type": "ollama.generate", "model": "m", "prompt": "p", "options": ["num_predict": -1]])
    }

    /// A job with `max_price` never reaches a miner above it (the price it would bill).
    @Test func maxPriceKeepsExpensiveMinersAway() async throws {
        let harness = try await CoordinatorHarness.make()
        try await harness.register("dear", capabilities: ["price": 2])
        _ = try await harness.submit(constraints: JobConstraints(maxPrice: 1))
        #expect(try await harness.store.claimNextJob(minerID: "dear") == nil)
        try await harness.register("cheap", capabilities: ["price": 1])
        #expect(try await harness.store.claimNextJob(minerID: "cheap") != nil)
    }

    /// Found by the black-box review: a miner that kept heartbeating and held its result back
    /// for 8 s billed 8 s for a job declared `timeout_s: 1`. Time units are billed at most the
    /// declared limit (`timeout_s`, else `DEFAULT_JOB_SECONDS`, at most `MAX_JOB_SECONDS`) plus
    /// `JOB_TIME_GRACE_SECONDS`, however late the result.
    @Test func heldBackResultsBillNoMoreThanTheDeclaredTimeLimit() async throws {
        let declared = try await assigned(payload: ["type": "cli", "timeout_s": 1], wallSeconds: 8) { $0.jobTimeGraceSeconds = 2 }
        let receipt = try await receipt(declared, metrics: .object([]))
        #expect(receipt["units"] == .float(3))
        #expect(receipt["metadata"]?["billing"]?["wall_ms"] == 8_000)
        #expect(receipt["metadata"]?["billing"]?["billable_ms"] == 3_000)
        let undeclared = try await assigned(wallSeconds: 86_400) { $0.defaultJobSeconds = 600 }
        #expect(try await self.receipt(undeclared, metrics: ["units": 86_400, "unit_type": "gpu_seconds"])["units"] == .float(630))
        let beyondMaximum = try await assigned(payload: ["timeout_s": 1e9], wallSeconds: 86_400) { $0.maxJobSeconds = 3_600 }
        #expect(try await self.receipt(beyondMaximum, metrics: .object([]))["units"] == .float(3_630))
    }

    /// Found by the black-box review: an inference job that ran 2 ms billed the whole token
    /// limit. Tokens are also capped at wall seconds × `MAX_TOKENS_PER_SECOND`.
    @Test func tokensAreCappedByTheObservedTime() async throws {
        let setup = try await assigned(payload: ["model": "m", "prompt": "p"], wallSeconds: 0)
        setup.harness.clock.advance(milliseconds: 2)
        let receipt = try await receipt(setup, metrics: ["units": .float(1e9), "unit_type": "token_ops"])
        #expect(receipt["units"] == .float(10))
    }

    /// Found by the black-box review: `units: -0.0` was signed as the billed `-0.0` (the
    /// miner's own metrics document in `metadata.metrics` keeps what it sent).
    @Test func negativeZeroIsBilledAsZero() async throws {
        let setup = try await assigned()
        let receipt = try await receipt(setup, metrics: ["units": .float(-0.0), "unit_type": "gpu_seconds"])
        let text = try JSONSerializer().string(receipt)
        #expect(text.contains(#""units":0.0,"unit_type""#) && text.contains(#""amount":0.0"#), "\(text)")
        #expect(!text.contains(#""amount":-0.0"#) && !text.contains(#""reported":{"units":-0.0"#), "\(text)")
    }

    /// Found by the black-box review: any registered price was accepted (1e13, 1.7e308 — whose
    /// amount overflowed and failed every result —, -1, true, [1]) and billed on jobs without a
    /// `max_price`. A price must be a finite number in 0...`MAX_UNIT_PRICE` (422 otherwise).
    @Test(arguments: [
        JSONValue.float(1e13), .float(1.7e308), .integer(JSONInteger(-1)), .float(-0.01), .bool(true), [1], ["amount": 5],
        .string("abc"), .string("1e13"), .integer(JSONInteger(1_000_001)), .string("0x10"), .string("+5"), .string("inf"),
        .string("nan"), .string("1e400"),
    ])
    func registeredPricesAreChecked(price: JSONValue) async throws {
        let harness = try await CoordinatorHarness.make()
        let error = await #expect(throws: CoordinatorError.self) {
            try await harness.register("miner-1", capabilities: ["price": price])
        }
        #expect(error?.httpStatus == 422)
        #expect(error?.detail.hasPrefix("capabilities.price:") == true, "\(String(describing: error))")
    }

    @Test(arguments: [JSONValue.float(0.5), .integer(JSONInteger(0)), .string("1000"), .string(" 2.5 "), .null, .integer(JSONInteger(1_000_000))])
    func saneRegisteredPricesAreAccepted(price: JSONValue) async throws {
        let harness = try await CoordinatorHarness.make()
        try await harness.register("miner-1", capabilities: ["price": price])
    }

    /// Found by the re-attack: `timeout_s: -1e300` reached `Int(_:)` below Int.min and trapped,
    /// in the miner (every miner that polled the job died) and in the coordinator (at the
    /// result). The one shared rule clamps before converting.
    @Test(arguments: [
        (JSONValue.float(-1e300), 1), (.float(-1e19), 1), (.float(-0.0), 1), (.float(0.2), 1), (.float(1.5), 2), (.float(1e300), 7_200),
        (.integer(JSONInteger(-5)), 1), (.string("99"), 600), (.bool(true), 600),
    ])
    func hostileTimeLimitsAreClamped(timeout: JSONValue, expected: Int) async throws {
        #expect(JobKind.timeLimitSeconds(of: ["timeout_s": timeout], fallback: 600, maximum: 7_200) == expected)
        let setup = try await assigned(payload: ["type": "echo", "timeout_s": timeout], wallSeconds: 86_400) { $0.jobTimeGraceSeconds = 0 }
        let receipt = try await receipt(setup, metrics: .object([]))
        #expect(receipt["units"] == .float(Double(expected)))
    }
}
