import Foundation
import Glibc
import JSON
@testable import Miner
import TestSupport
import Synchronization
import Testing
import WireModels

/// Whether `pid` has ended: no `/proc/<pid>`, or only a zombie left (where PID 1 of a
/// container never reaps, a killed orphan stays one). Waits up to 20 s for it.
func processEnded(_ pid: Int32) async -> Bool {
    for _ in 0..<400 {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return true }
        // Field 3, after the parenthesised command name (which may contain spaces).
        if let close = stat.lastIndex(of: ")"), stat[close...].dropFirst(2).first == "Z" { return true }
        try? await Task.sleep(for: .milliseconds(50))
    }
    return false
}

/// Reads the pid a job script wrote to `path`.
func pidWritten(at path: String) throws -> Int32 {
    let text = try String(contentsOfFile: path, encoding: .utf8)
    return try #require(Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)))
}

/// Counts bodies that have started, shared across threads.
private final class ArrivalCounter: Sendable {
    let value = Atomic<Int>(0)
}

@Suite("Execution: supervision that the job cannot undo")
struct ExecutionSupervisionTests {
    // Without a PID namespace or Landlock's signal scope (a host that has neither) the job can
    // kill its reaper; the supervisor must then end the group itself.
    @Test("a job that SIGKILLs its reaper fails E_RUNTIME (supervisor lost) and its group is killed")
    func jobKillsItsReaper() async throws {
        let sandbox = try ExecutionSandbox()
        let allowlist = try sandbox.tool(
            "parricide", script: "sleep 60 &\necho $! > ../output/child.pid\necho $$ > ../output/shell.pid\nkill -KILL $PPID\nsleep 60")
        let executor = try JobExecutor(
            settings: sandbox.settings(allowlist: [allowlist], sandbox: SandboxSettings(landlock: .off, pidNamespace: .off)))
        let recorder = SpawnRecorder()
        let outcome = await executor.execute(
            testJob("parricide", payload: ["type": "cli", "command": "parricide", "timeout_s": 120]),
            context: recorder.context())
        #expect(outcome.code == .runtime)
        #expect(outcome.message?.contains("supervisor lost") == true)
        #expect(await processEnded(try pidWritten(at: sandbox.root + "/" + jid("parricide") + "/output/child.pid")))
        #expect(await processEnded(try pidWritten(at: sandbox.root + "/" + jid("parricide") + "/output/shell.pid")))
    }

    // In a PID namespace the escapee's own $$ is the namespace's number: it is found by a
    // marker in its command line instead.
    @Test(
        "a descendant that setsid()s out of the group is killed when the job ends",
        .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/setsid")),
        // The reaper finds its children in /proc/<pid>/task/<tid>/children (CONFIG_PROC_CHILDREN).
        .enabled(if: FileManager.default.fileExists(atPath: "/proc/thread-self/children")),
        arguments: [SandboxSettings.Mode.off, .auto])
    func setsidEscapeeIsKilled(pidNamespace: SandboxSettings.Mode) async throws {
        let sandbox = try ExecutionSandbox()
        let marker = "aitbc-escapee-\(UUID().uuidString)"
        let allowlist = try sandbox.tool(
            "escaper",
            script: """
                setsid sh -c 'touch ../output/escapee.started; while :; do sleep 1; done' \(marker) &
                while [ ! -e ../output/escapee.started ]; do sleep 0.05; done
                echo done
                """)
        let executor = try JobExecutor(
            settings: sandbox.settings(allowlist: [allowlist], sandbox: SandboxSettings(landlock: .off, pidNamespace: pidNamespace)))
        let outcome = await executor.execute(testJob("escaper", payload: ["type": "cli", "command": "escaper"]), context: ExecutionContext())
        #expect(outcome.result?["exit_code"] == 0)
        #expect(await survivors(carrying: marker) == 0)
    }

    @Test("a failing ioprio_set fails the job closed (E_RUNTIME) instead of running it unconfined")
    func confinementFailureFailsClosed() async throws {
        let sandbox = try ExecutionSandbox()
        let marker = sandbox.directory.path("ran")
        let allowlist = try sandbox.tool("confined", script: "echo ran > \(marker)")
        var settings = sandbox.settings(allowlist: [allowlist])
        settings.ioPriorityLevel = 9  // best-effort levels are 0...7: the kernel answers EINVAL
        let outcome = await (try JobExecutor(settings: settings)).execute(
            testJob("confined", payload: ["type": "cli", "command": "confined"]), context: ExecutionContext())
        #expect(outcome.code == .runtime)
        #expect(outcome.message?.contains(String(cString: strerror(EINVAL))) == true)
        #expect(!sandbox.exists(marker))
    }

    @Test("when a later pipe cannot be made, every end made before is closed")
    func pipeFailureClosesEarlierPipes() throws {
        var made: [Int32] = []
        var closed: [Int32] = []
        var next: Int32 = 100
        #expect(throws: ExecutionFailure.self) {
            _ = try SandboxedProcess.makePipes(
                3,
                make: { () throws(ExecutionFailure) -> (read: Int32, write: Int32) in
                    guard made.count < 4 else { throw .runtime("pipe: EMFILE") }
                    made += [next, next + 1]
                    next += 2
                    return (next - 2, next - 1)
                },
                close: { closed.append($0) })
        }
        #expect(made.count == 4)
        #expect(Set(closed) == Set(made))
    }

    @Test("blocking work runs on threads of its own: more bodies than pool threads all block at once")
    func blockingWorkLeavesThePoolFree() async throws {
        let count = 8  // well above the cooperative pool's width on a 2-core machine
        let counter = ArrivalCounter()
        let all = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<count {
                group.addTask {
                    (try? await BlockingWork.run(name: "test-blocking") { () throws(ExecutionFailure) -> Bool in
                        counter.value.add(1, ordering: .acquiringAndReleasing)
                        // Blocks until every body has started; on a shared pool of 2 threads they never would.
                        for _ in 0..<3000 where counter.value.load(ordering: .acquiring) < count { usleep(10_000) }
                        return counter.value.load(ordering: .acquiring) == count
                    }) ?? false
                }
            }
            return await group.allSatisfy { $0 }
        }
        #expect(all)
    }

    @Test("artifacts are hashed by the supervisor thread, not by the async caller")
    func artifactsComeFromTheSupervisor() async throws {
        let sandbox = try ExecutionSandbox()
        let job = try JobWorkspace.prepare(root: sandbox.root, jobID: testJobID("direct"))
        let script = sandbox.directory.path("direct.sh")
        try writeExecutableScript("#!/bin/sh\nprintf abc > ../output/a.txt\n", to: script)
        let request = SandboxedProcess.Request(
            path: script, arguments: [], environment: ["PATH=/usr/bin:/bin"], workingDirectory: job.work,
            logDirectory: job.logs, logCapBytes: 1024, timeoutSeconds: 60, killGraceSeconds: 1, niceLevel: 10,
            ioPriorityLevel: 6, addressSpaceBytes: 0, fileSizeBytes: 0, maxOpenFiles: 1024, maxProcesses: 256,
            artifactJobDirectory: job.jobDirectory, maxHashedBytes: 1024)
        let result = try await SandboxedProcess.run(request) { _, _ in }
        #expect(result.termination == .exited(0))
        #expect(result.artifacts.map(\.path) == ["a.txt"])
        #expect(result.artifacts.first?.sha256?.count == 64)
    }

    @Test("past the per-job hashing cap, artifacts are listed with their size, no hash and the reason")
    func hashingCap() async throws {
        let sandbox = try ExecutionSandbox()
        let allowlist = try sandbox.tool(
            "many", script: "printf 1234 > ../output/a.txt\nprintf 123456 > ../output/b.txt\nprintf 12345678901 > ../output/c.txt\nprintf 1 > ../output/d.txt")
        var settings = sandbox.settings(allowlist: [allowlist])
        settings.maxHashedBytes = 11
        let outcome = await (try JobExecutor(settings: settings)).execute(
            testJob("many", payload: ["type": "cli", "command": "many"]), context: ExecutionContext())
        let artifacts = try #require(outcome.result?["artifacts"]?.arrayValue)
        #expect(artifacts.map { $0["path"]?.stringValue } == ["a.txt", "b.txt", "c.txt", "d.txt"])
        #expect(artifacts.map { $0["bytes"]?.integerValue?.intValue } == [4, 6, 11, 1])
        // 4 + 6 = 10 of 11 bytes hashed; c (11) does not fit the rest, d (1) still does.
        #expect(artifacts.map { $0["sha256"]?.stringValue?.count } == [64, 64, nil, 64])
        #expect(artifacts[2]["unhashed"]?.stringValue?.contains("cap of 11 bytes") == true)
    }
}
