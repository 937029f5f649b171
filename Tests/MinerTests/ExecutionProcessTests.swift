import Foundation
import Glibc
import JSON
import Miner
import TestSupport
import Testing
import WireModels

@Suite("Execution: sandboxed processes (spec §8, §13.2, §13.12)")
struct ExecutionProcessTests {
    @Test("a cli job with timeout_s 2 that forks children and sleeps 30 fails E_TIMEOUT and leaves no survivor")
    func timeoutKillsWholeGroup() async throws {
        let sandbox = try ExecutionSandbox()
        let allowlist = try sandbox.tool("forker", script: "sleep 30 &\nsleep 30 &\n(sleep 30 &)\nsleep 30")
        let executor = try JobExecutor(settings: sandbox.settings(allowlist: [allowlist]))
        let recorder = SpawnRecorder()
        let outcome = await executor.execute(
            testJob("slow", payload: ["type": "cli", "command": "forker", "timeout_s": 2]), context: recorder.context())
        #expect(outcome.code == .timeout)
        let group = try #require(recorder.group)
        #expect(await processGroupGone(group))
        #expect(outcome.metrics["unit_type"] == "cpu_seconds")
    }

    @Test("cancellation returns E_SHUTDOWN and the group is gone")
    func cancellationStopsGroup() async throws {
        let sandbox = try ExecutionSandbox()
        let allowlist = try sandbox.tool("sleeper", script: "sleep 30 &\nsleep 30")
        let executor = try JobExecutor(settings: sandbox.settings(allowlist: [allowlist]))
        let recorder = SpawnRecorder()
        let task = Task {
            await executor.execute(testJob("cancel", payload: ["type": "cli", "command": "sleeper"]), context: recorder.context())
        }
        let group = try await recorder.waitForSpawn()
        #expect(kill(-group, 0) == 0)
        task.cancel()
        #expect(await task.value.code == .shutdown)
        #expect(await processGroupGone(group))
    }

    @Test("a job writing 50 MiB to stdout keeps stdout.log within the cap and keeps the tail", arguments: [1024 * 1024, 10 * 1024 * 1024])
    func largeStdoutIsCapped(cap: Int) async throws {
        let sandbox = try ExecutionSandbox()
        let allowlist = try sandbox.tool("flood", script: "head -c 52428800 /dev/zero | tr '\\000' a\necho END-MARKER")
        let executor = try JobExecutor(settings: sandbox.settings(allowlist: [allowlist], logCap: cap))
        let outcome = await executor.execute(testJob("flood", payload: ["type": "cli", "command": "flood"]), context: ExecutionContext())
        #expect(outcome.result?["exit_code"] == 0)
        let log = sandbox.root + "/" + jid("flood") + "/logs/stdout.log"
        let size = try #require(try FileManager.default.attributesOfItem(atPath: log)[.size] as? Int)
        #expect(size <= cap && size > cap / 2)
        let handle = try #require(FileHandle(forReadingAtPath: log))
        try handle.seek(toOffset: UInt64(size - 11))
        #expect(String(decoding: try handle.readToEnd() ?? Data(), as: UTF8.self) == "END-MARKER\n")
        try handle.close()
        #expect(outcome.result?["stdout_tail"]?.stringValue?.hasSuffix("aaaaEND-MARKER\n") == true)
        #expect(!sandbox.exists(log + ".1"))
    }

    @Test("a cli job reads its inline input as input.txt in its working directory")
    func inlineInputIsReachableFromWork() async throws {
        let sandbox = try ExecutionSandbox()
        let allowlist = try sandbox.tool("reader", script: "cat \"$1\"", args: #"[["input\\.txt"]]"#)
        let executor = try JobExecutor(settings: sandbox.settings(allowlist: [allowlist]))
        let outcome = await executor.execute(
            testJob("reads", payload: ["type": "cli", "command": "reader", "args": ["input.txt"], "input": "from the client"]),
            context: ExecutionContext())
        #expect(outcome.result?["exit_code"] == 0)
        #expect(outcome.result?["stdout_tail"] == "from the client")
        #expect(try String(contentsOfFile: sandbox.root + "/" + jid("reads") + "/input/input.txt", encoding: .utf8) == "from the client")
    }

    @Test("non-zero exit fails E_PROCESS_FAILED with the code")
    func nonZeroExit() async throws {
        let sandbox = try ExecutionSandbox()
        let allowlist = try sandbox.tool("failer", script: "echo oops >&2\nexit 3")
        let executor = try JobExecutor(settings: sandbox.settings(allowlist: [allowlist]))
        let outcome = await executor.execute(testJob("fail", payload: ["type": "cli", "command": "failer"]), context: ExecutionContext())
        #expect(outcome.code == .processFailed)
        #expect(outcome.message == "command exited with code 3")
        #expect(try String(contentsOfFile: sandbox.root + "/" + jid("fail") + "/logs/stderr.log", encoding: .utf8) == "oops\n")
    }

    @Test("the child gets a scrubbed environment, work/ as cwd, /dev/null stdin, nice and limits")
    func sandboxEnvironment() async throws {
        let sandbox = try ExecutionSandbox()
        let allowlist = try sandbox.tool(
            "inspect",
            script: """
                env | sort
                echo "cwd=$(pwd)"
                echo "nice=$(cut -d' ' -f19 /proc/self/stat)"
                echo "nofile=$(ulimit -n)"
                echo "core=$(ulimit -c)"
                echo "cpu=$(ulimit -t)"
                echo "stdin=$(cat | wc -c)"
                printf 'artifact' > ../output/a.bin
                """)
        let executor = try JobExecutor(settings: sandbox.settings(allowlist: [allowlist]))
        let outcome = await executor.execute(
            testJob("env", payload: ["type": "cli", "command": "inspect"]), context: ExecutionContext(gpuIndices: [1, 3]))
        let text = try #require(outcome.result?["stdout_tail"]?.stringValue)
        let work = sandbox.root + "/" + jid("env") + "/work"
        let lines = Set(text.split(separator: "\n").map(String.init))
        #expect(lines.contains("PATH=/usr/bin:/bin"))
        #expect(lines.contains("LANG=C.UTF-8"))
        #expect(lines.contains("CUDA_VISIBLE_DEVICES=1,3"))
        // CUDA's device numbers must be nvidia-smi's (the slot's GPU indices), not fastest-first.
        #expect(lines.contains("CUDA_DEVICE_ORDER=PCI_BUS_ID"))
        #expect(lines.contains { $0.hasPrefix("HOME=") && $0.hasSuffix("/" + jid("env") + "/work") })
        #expect(lines.contains { $0.hasPrefix("cwd=") && $0.hasSuffix("/" + jid("env") + "/work") })
        #expect(!lines.contains { $0.hasPrefix("USER=") || $0.hasPrefix("SWIFT") })
        #expect(lines.contains("nofile=1024"))
        // RLIMIT_CPU backstop: every core for the whole time limit (600 s default) plus the 1 s grace.
        #expect(lines.contains("cpu=\((600 + 1) * Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))"))
        #expect(lines.contains("core=0"))
        #expect(lines.contains("stdin=0"))
        #expect(lines.contains { $0.hasPrefix("nice=") && Int($0.dropFirst(5)) ?? 0 >= 10 })
        _ = work
        let artifact = try #require(outcome.result?["artifacts"]?.arrayValue?.first)
        #expect(artifact["path"] == "a.bin")
        #expect(artifact["bytes"] == 8)
        #expect(artifact["sha256"]?.stringValue?.count == 64)
        #expect(outcome.metrics["unit_type"] == "gpu_seconds")
    }

    @Test("no GPU exports an empty CUDA_VISIBLE_DEVICES")
    func noGPU() async throws {
        let sandbox = try ExecutionSandbox()
        let allowlist = try sandbox.tool("cuda", script: "echo \"[$CUDA_VISIBLE_DEVICES]\"; env | grep -c CUDA_VISIBLE_DEVICES")
        let executor = try JobExecutor(settings: sandbox.settings(allowlist: [allowlist]))
        let outcome = await executor.execute(testJob("cpu", payload: ["type": "cli", "command": "cuda"]), context: ExecutionContext())
        #expect(outcome.result?["stdout_tail"] == "[]\n1\n")
    }
}
