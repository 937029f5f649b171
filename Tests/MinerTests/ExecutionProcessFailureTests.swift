import Foundation
import Glibc
import JSON
import Miner
import TestSupport
import Testing
import WireModels

@Suite("Execution: how sandboxed processes fail")
struct ExecutionProcessFailureTests {
    @Test("a group that ignores SIGTERM is SIGKILLed after the grace period and fails E_TIMEOUT")
    func sigtermIgnored() async throws {
        let sandbox = try ExecutionSandbox()
        let allowlist = try sandbox.tool("stubborn", script: "trap '' TERM\nsleep 30 &\nsleep 30")
        let executor = try JobExecutor(settings: sandbox.settings(allowlist: [allowlist]))
        let recorder = SpawnRecorder()
        let outcome = await executor.execute(
            testJob("stubborn", payload: ["type": "cli", "command": "stubborn", "timeout_s": 1]), context: recorder.context())
        #expect(outcome.code == .timeout)
        #expect(await processGroupGone(try #require(recorder.group)))
    }

    @Test("the tool's max_runtime_s caps the job's timeout_s")
    func toolRuntimeCap() async throws {
        let sandbox = try ExecutionSandbox()
        let allowlist = try sandbox.tool("capped", script: "sleep 30", extra: "max_runtime_s: 1")
        let executor = try JobExecutor(settings: sandbox.settings(allowlist: [allowlist]))
        let outcome = await executor.execute(
            testJob("capped", payload: ["type": "cli", "command": "capped", "timeout_s": 600]), context: ExecutionContext())
        #expect(outcome.code == .timeout)
        #expect(outcome.message == "job exceeded its time limit of 1 s")
    }

    @Test("killed by a SIGKILL the miner did not send (the OOM killer) fails E_OOM")
    func sigkillIsOutOfMemory() async throws {
        let sandbox = try ExecutionSandbox()
        let allowlist = try sandbox.tool("oom", script: "kill -KILL $$")
        let executor = try JobExecutor(settings: sandbox.settings(allowlist: [allowlist]))
        let outcome = await executor.execute(testJob("oom", payload: ["type": "cli", "command": "oom"]), context: ExecutionContext())
        #expect(outcome.code == .outOfMemory)
    }

    @Test("another fatal signal fails E_PROCESS_FAILED naming it")
    func otherSignal() async throws {
        let sandbox = try ExecutionSandbox()
        let allowlist = try sandbox.tool("segv", script: "kill -SEGV $$")
        let executor = try JobExecutor(settings: sandbox.settings(allowlist: [allowlist]))
        let outcome = await executor.execute(testJob("segv", payload: ["type": "cli", "command": "segv"]), context: ExecutionContext())
        #expect(outcome.code == .processFailed)
        #expect(outcome.message == "command killed by signal \(SIGSEGV)")
    }

    @Test("an allowlisted path that cannot be executed fails E_RUNTIME")
    func missingExecutable() async throws {
        let sandbox = try ExecutionSandbox()
        let allowlist = sandbox.directory.path("ghost.yaml")
        try "command: { path: \"\(sandbox.directory.path("ghost"))\" }\n".write(toFile: allowlist, atomically: true, encoding: .utf8)
        let executor = try JobExecutor(settings: sandbox.settings(allowlist: [allowlist]))
        let outcome = await executor.execute(testJob("ghost", payload: ["type": "cli", "command": "ghost"]), context: ExecutionContext())
        #expect(outcome.code == .runtime)
        #expect(outcome.message?.contains("cannot execute") == true)
    }

    @Test("RLIMIT_AS and RLIMIT_FSIZE follow memorySoftMB and maxOutputMB; writing past FSIZE fails the job")
    func memoryAndOutputLimits() async throws {
        let sandbox = try ExecutionSandbox()
        let allowlist = try sandbox.tool(
            "limits", script: "echo \"as=$(ulimit -v)\"\nhead -c 3145728 /dev/zero > ../output/big.bin", extra: "max_output_mb: 2")
        var settings = sandbox.settings(allowlist: [allowlist])
        settings.memorySoftMB = 512
        let executor = try JobExecutor(settings: settings)
        let outcome = await executor.execute(testJob("limits", payload: ["type": "cli", "command": "limits"]), context: ExecutionContext())
        #expect(outcome.code == .processFailed)
        let log = try String(contentsOfFile: sandbox.root + "/" + jid("limits") + "/logs/stdout.log", encoding: .utf8)
        #expect(log == "as=524288\n")
        let size = (try? FileManager.default.attributesOfItem(atPath: sandbox.root + "/" + jid("limits") + "/output/big.bin")[.size] as? Int) ?? 0
        #expect(size <= 2 * 1024 * 1024)
    }
}

@Suite("Execution: processes that leave the job's group")
struct ExecutionEscapeTests {
    @Test(
        "a child that calls setsid and keeps stdout open does not hang the job",
        .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/setsid")))
    func escapeeDoesNotHang() async throws {
        let sandbox = try ExecutionSandbox()
        let allowlist = try sandbox.tool("escape", script: "setsid sh -c 'echo $$ > ../output/escapee.pid; exec sleep 30' &\nsleep 0.2\necho done")
        let executor = try JobExecutor(settings: sandbox.settings(allowlist: [allowlist]))
        let outcome = await executor.execute(testJob("escape", payload: ["type": "cli", "command": "escape"]), context: ExecutionContext())
        #expect(outcome.result?["exit_code"] == 0)
        // Clean up the escapee this test started (by its own pid, never by name).
        let text = try String(contentsOfFile: sandbox.root + "/" + jid("escape") + "/output/escapee.pid", encoding: .utf8)
        if let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 1 { kill(pid, SIGKILL) }
    }
}
