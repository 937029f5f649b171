import Foundation
import JSON
import Miner
import TestSupport
import Testing
import WireModels

@Suite("Execution: runner selection, built-ins and metering")
struct ExecutionRunnerTests {
    @Test("no type runs echo and returns the payload")
    func echoByDefault() async throws {
        let sandbox = try ExecutionSandbox()
        let executor = try JobExecutor(settings: sandbox.settings())
        let payload: JSONValue = ["hello": "world"]
        let outcome = await executor.execute(testJob("job-1", payload: payload), context: ExecutionContext())
        #expect(outcome.result == ["echo": payload])
        #expect(sandbox.exists(sandbox.root + "/" + jid("job-1") + "/work"))
    }

    @Test("runner.kind selects too; unknown type fails E_UNSUPPORTED", arguments: ["transcribe", "python", "shell"])
    func unknownType(type: String) async throws {
        let sandbox = try ExecutionSandbox()
        let executor = try JobExecutor(settings: sandbox.settings())
        let direct = await executor.execute(testJob("j", payload: ["type": .string(type)]), context: ExecutionContext())
        #expect(direct.code == .unsupported)
        let nested = await executor.execute(testJob("j2", payload: ["runner": ["kind": .string(type)]]), context: ExecutionContext())
        #expect(nested.code == .unsupported)
        let echo = await executor.execute(testJob("j3", payload: ["runner": ["kind": "echo"]]), context: ExecutionContext())
        #expect(echo.result != nil)
    }

    @Test("sha256 hashes the inline input and writes it to input/")
    func sha256Runner() async throws {
        let sandbox = try ExecutionSandbox()
        let executor = try JobExecutor(settings: sandbox.settings())
        for payload: JSONValue in [["type": "sha256", "input": "abc"], ["type": "sha256", "input": ["inline": ["text": "abc"]]]] {
            let outcome = await executor.execute(testJob("hash", payload: payload), context: ExecutionContext())
            #expect(outcome.result?["sha256"] == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
            #expect(outcome.result?["bytes"] == 3)
            #expect(try String(contentsOfFile: sandbox.root + "/" + jid("hash") + "/input/input.txt", encoding: .utf8) == "abc")
        }
    }

    @Test("timeout_s defaults to 600 and is clamped to 1...max")
    func timeoutClamp() async throws {
        let sandbox = try ExecutionSandbox()
        let executor = try JobExecutor(settings: sandbox.settings())
        // A sleep longer than its clamped timeout fails E_TIMEOUT after the clamp, not after 5 s.
        let outcome = await executor.execute(
            testJob("s", payload: ["type": "sleep", "seconds": 5, "timeout_s": -3]), context: ExecutionContext())
        #expect(outcome.code == .timeout)
        #expect(outcome.message?.contains("1 s") == true)
        let quick = await executor.execute(testJob("s2", payload: ["type": "sleep", "seconds": 0.01]), context: ExecutionContext())
        #expect(quick.result != nil)
    }

    @Test("metrics carry duration_ms, units and unit_type (CPU and GPU jobs)")
    func unitsAndDurationMetricsPresent() async throws {
        let sandbox = try ExecutionSandbox()
        let executor = try JobExecutor(settings: sandbox.settings())
        let cpu = await executor.execute(testJob("m1", payload: ["type": "sleep", "seconds": 0.05]), context: ExecutionContext())
        let cpuDuration = try #require(cpu.metrics["duration_ms"]?.integerValue?.intValue)
        #expect(cpuDuration >= 1)
        #expect(cpu.metrics["unit_type"] == "cpu_seconds")
        #expect(cpu.metrics["units"]?.isNumber == true)
        let gpu = await executor.execute(
            testJob("m2", payload: ["type": "sleep", "seconds": 0.2]), context: ExecutionContext(gpuIndices: [0, 1]))
        #expect(gpu.metrics["unit_type"] == "gpu_seconds")
        let units = try #require(gpu.metrics["units"]?.doubleValue)
        #expect(units >= 0.4)
        let failed = await executor.execute(testJob("unsupported", payload: ["type": "no-such-runner"]), context: ExecutionContext())
        #expect(failed.metrics["duration_ms"] != nil && failed.metrics["units"] != nil && failed.metrics["unit_type"] != nil)
    }

    @Test("runnerNames lists cli only when enabled")
    func runnerNames() throws {
        let sandbox = try ExecutionSandbox()
        #expect(try JobExecutor(settings: sandbox.settings()).runnerNames == ["echo", "sha256", "sleep", "cli", "ollama.generate"])
        var settings = sandbox.settings()
        settings.cliEnabled = false
        #expect(try JobExecutor(settings: settings).runnerNames.contains("cli") == false)
    }

    @Test("cancelling a built-in job returns E_SHUTDOWN")
    func cancelBuiltIn() async throws {
        let sandbox = try ExecutionSandbox()
        let executor = try JobExecutor(settings: sandbox.settings())
        let task = Task { await executor.execute(testJob("c", payload: ["type": "sleep", "seconds": 60]), context: ExecutionContext()) }
        try await Task.sleep(for: .milliseconds(100))
        task.cancel()
        #expect(await task.value.code == .shutdown)
    }
}

@Suite("Execution: payload inputs")
struct ExecutionInputTests {
    @Test("URL inputs are refused with E_DENY (downloads are off)")
    func urlInputsDenied() async throws {
        let sandbox = try ExecutionSandbox()
        let executor = try JobExecutor(settings: sandbox.settings())
        let outcome = await executor.execute(
            testJob("url", payload: ["input": ["urls": ["http://example.invalid/a.mp4"]]]), context: ExecutionContext())
        #expect(outcome.code == .deny)
        #expect(!sandbox.exists(sandbox.root + "/" + jid("url")))
    }
}
