import Foundation
import Glibc
import JSON
@testable import Miner
import TestSupport
import Testing
import WireModels

/// Waits up to 5 s for every process carrying `marker` to go; kills survivors so a failing
/// run leaves nothing behind. Returns how many survived.
func survivors(carrying marker: String) async -> Int {
    var found: [Int32] = []
    for _ in 0..<100 {
        found = processesCarrying(marker)
        if found.isEmpty { return 0 }
        try? await Task.sleep(for: .milliseconds(50))
    }
    for pid in found { kill(pid, SIGKILL) }
    return found.count
}

let isRoot = geteuid() == 0

/// Sandbox variants the escape attack must fail against; each names what it relies on.
enum Confinement: String, CaseIterable, CustomTestStringConvertible {
    case defaults, pidNamespaceOnly, landlockOnly, jobUserOnly

    var testDescription: String { rawValue }

    func settings(_ sandbox: ExecutionSandbox) -> SandboxSettings? {
        switch self {
        case .defaults: SandboxSettings(landlockWritePaths: [sandbox.directory.url.path])
        case .pidNamespaceOnly: SandboxSettings(landlock: .off, pidNamespace: .required)
        case .landlockOnly: SandboxSettings(landlock: .required, pidNamespace: .off)
        case .jobUserOnly: SandboxSettings(landlock: .off, pidNamespace: .off, jobUsers: testJobUsers, requireJobUser: true)
        }
    }

    /// Why this variant cannot run here, or nil.
    func unavailable(_ executor: JobExecutor) -> String? {
        if let failure = executor.confinement.failure { return failure }
        if self == .landlockOnly, executor.confinement.landlockABI < 6 {
            return "Landlock ABI \(executor.confinement.landlockABI) has no signal scope (ABI 6)"
        }
        return nil
    }
}

/// Job uids for the tests (root only): the auto range, far from any real account.
let testJobUsers = JobUserRange(uid: JobUserRange.autoBase + 4_242, gid: JobUserRange.autoBase + 4_242, count: 2)

@Suite("Execution: kernel confinement (issue #10)")
struct ExecutionConfinementTests {
    // Issue #10 (5): the tool forks a setsid loop and kills its reaper; the loop must not
    // outlive the job under any confinement the host offers.
    @Test("a setsid loop whose tool kills its reaper does not outlive the job", arguments: Confinement.allCases)
    func setsidLoopDiesWithTheJob(confinement: Confinement) async throws {
        let sandbox = try ExecutionSandbox()
        chmod(sandbox.directory.url.path, 0o711)
        let marker = "aitbc-escape-\(UUID().uuidString)"
        let allowlist = try sandbox.tool(
            "escape", script: "setsid sh -c \"while :; do sleep 1; done\" \(marker) &\nkill -9 $PPID\nsleep 0.5")
        let executor = try JobExecutor(settings: sandbox.settings(allowlist: [allowlist], sandbox: confinement.settings(sandbox)))
        if let reason = confinement.unavailable(executor) {
            print("skipped \(confinement.rawValue): \(reason)")
            return
        }
        _ = await executor.execute(testJob("escape", payload: ["type": "cli", "command": "escape"]), context: ExecutionContext())
        #expect(await survivors(carrying: marker) == 0)
    }

    @Test("the shipped sha256sum rule denies --check and every unlisted flag before spawning",
          arguments: ["--check", "-c", "--ignore-missing", "--status", "--files0-from=x", "-", "--zero"])
    func shippedSHA256SumDeniesCheck(flag: String) async throws {
        let sandbox = try ExecutionSandbox()
        let shipped = ExecutionAllowlistTests.repositoryRoot.appendingPathComponent("configs/miner/allowlist.d/sha256sum.yaml").path
        let executor = try JobExecutor(settings: sandbox.settings(allowlist: [shipped]))
        let payload: JSONValue = ["type": "cli", "command": "sha256sum", "args": [.string(flag), "input.txt"], "input": "x  /etc/passwd\n"]
        let outcome = await executor.execute(testJob("check", payload: payload), context: ExecutionContext())
        #expect(outcome.code == .deny)
        // Denied before the workspace exists: nothing was spawned.
        #expect(!sandbox.exists(sandbox.root + "/" + jid("check") + "/logs/stdout.log"))
    }

    @Test("a permissive rule still cannot read /etc/passwd or a file outside the workspace (Landlock)")
    func landlockConfinesAPermissiveTool() async throws {
        let sandbox = try ExecutionSandbox()
        let secret = sandbox.directory.path("secret.txt")
        try "s3cret".write(toFile: secret, atomically: true, encoding: .utf8)
        let allowlist = try sandbox.tool(
            "reader", script: "cat /etc/passwd > ../output/passwd\ncat \(secret) > ../output/secret\nexit 0")
        let executor = try JobExecutor(
            settings: sandbox.settings(allowlist: [allowlist], sandbox: SandboxSettings(landlock: .required)))
        if let failure = executor.confinement.failure {
            print("skipped: \(failure)")
            return
        }
        let outcome = await executor.execute(testJob("reader", payload: ["type": "cli", "command": "reader"]), context: ExecutionContext())
        #expect(outcome.result?["exit_code"] == 0)
        #expect((try? String(contentsOfFile: sandbox.root + "/" + jid("reader") + "/output/passwd", encoding: .utf8)) == "")
        #expect((try? String(contentsOfFile: sandbox.root + "/" + jid("reader") + "/output/secret", encoding: .utf8)) == "")
        let errors = try String(contentsOfFile: sandbox.root + "/" + jid("reader") + "/logs/stderr.log", encoding: .utf8)
        #expect(errors.contains("Permission denied"))
    }

    @Test(
        "sha256sum --check allowed by a permissive rule cannot read /etc/passwd named in its input (Landlock)",
        .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/sha256sum")))
    func landlockStopsCheckReadingHostPaths() async throws {
        let sandbox = try ExecutionSandbox()
        let allowlist = sandbox.directory.path("sha256sum.yaml")
        try "command: { path: \"/usr/bin/sha256sum\" }\nargs: [[\"--check\"], [\"[a-z.]+\"]]\n"
            .write(toFile: allowlist, atomically: true, encoding: .utf8)
        let executor = try JobExecutor(
            settings: sandbox.settings(allowlist: [allowlist], sandbox: SandboxSettings(landlock: .required)))
        if let failure = executor.confinement.failure {
            print("skipped: \(failure)")
            return
        }
        let line = String(repeating: "0", count: 64) + "  /etc/passwd\n"
        let payload: JSONValue = ["type": "cli", "command": "sha256sum", "args": ["--check", "input.txt"], "input": .string(line)]
        let outcome = await executor.execute(testJob("check", payload: payload), context: ExecutionContext())
        #expect(outcome.code == .processFailed)
        let errors = try String(contentsOfFile: sandbox.root + "/" + jid("check") + "/logs/stderr.log", encoding: .utf8)
        // Without Landlock: "/etc/passwd: FAILED" (read and hashed); with it, the open is refused.
        #expect(errors.contains("/etc/passwd: Permission denied"))
    }

    @Test("a job runs as its job user and cannot read the miner's key, config or another job's folder (root)")
    func jobUserCannotReadMinerFiles() async throws {
        guard isRoot else {
            print("skipped: needs root to switch to a job user")
            return
        }
        let sandbox = try ExecutionSandbox()
        chmod(sandbox.directory.url.path, 0o711)
        let key = sandbox.directory.path("miner.key.json")
        let config = sandbox.directory.path("miner.yaml")
        for file in [key, config] {
            try "secret".write(toFile: file, atomically: true, encoding: .utf8)
            chmod(file, 0o600)
        }
        let writer = try sandbox.tool("writer", script: "echo other-job-secret > ../output/secret.txt")
        let probe = try sandbox.tool(
            "probe",
            script: """
                id -u
                cat \(key) && echo READ-KEY
                cat \(config) && echo READ-CONFIG
                cat \(sandbox.root)/first/output/secret.txt && echo READ-OTHER
                ls \(sandbox.root)/first && echo LISTED-OTHER
                exit 0
                """)
        // Landlock off: the uid alone must hold.
        let settings = sandbox.settings(
            allowlist: [writer, probe], sandbox: SandboxSettings(landlock: .off, jobUsers: testJobUsers, requireJobUser: true))
        let executor = try JobExecutor(settings: settings)
        #expect(executor.confinement.failure == nil)
        let first = await executor.execute(testJob("first", payload: ["type": "cli", "command": "writer"]), context: ExecutionContext())
        #expect(first.result?["exit_code"] == 0)
        let outcome = await executor.execute(testJob("second", payload: ["type": "cli", "command": "probe"]), context: ExecutionContext())
        let text = try #require(outcome.result?["stdout_tail"]?.stringValue)
        #expect(text.hasPrefix("\(testJobUsers.uid)\n"))
        for leak in ["READ-KEY", "READ-CONFIG", "READ-OTHER", "LISTED-OTHER", "secret", "other-job-secret"] {
            #expect(!text.contains(leak), "\(leak)")
        }
    }

    /// Found by the final review: `sandbox.job_user: 4294967294` with 3 slots wrapped, so the
    /// third job got uid 0 (root) and the second `(uid_t)-1` ("unchanged"). Such a range is
    /// refused before any job runs, and the pool hands nothing out of it.
    @Test("a job-user range that would wrap past 2^31-1 is refused and never leases uid 0")
    func wrappingJobUserRangesAreRefused() {
        for (first, count) in [(UInt32.max - 1, 3), (UInt32(Int32.max), 2), (UInt32(Int32.max) - 1, 3)] {
            let range = JobUserRange(uid: first, gid: first, count: count)
            #expect(!range.isRepresentable)
            let confinement = SandboxConfinement.resolve(
                SandboxSettings(landlock: .off, pidNamespace: .off, jobUsers: range), workspaceRoot: "/tmp", slots: count)
            #expect(confinement.jobUsers == nil)
            #expect(confinement.failure?.contains("wrap to uid 0") == true, "\(String(describing: confinement.failure))")
            #expect(JobUserPool(range: range).acquire() == nil)
        }
        let last = JobUserRange(uid: UInt32(Int32.max) - 2, gid: 5_000, count: 3)
        #expect(last.isRepresentable)
        let pool = JobUserPool(range: last)
        #expect((0..<3).compactMap { _ in pool.acquire()?.uid } == [UInt32(Int32.max) - 2, UInt32(Int32.max) - 1, UInt32(Int32.max)])
    }

    @Test("a root miner's default configuration never runs jobs as root")
    func rootDefaultUsesJobUsers() throws {
        let configuration = try MinerConfiguration.load(configPath: nil, environment: [:], flags: ["runners.cli.enable": "true"])
        let settings = configuration.executorSettings(gpuCount: 0)
        if isRoot {
            #expect(settings.sandbox.jobUsers?.uid == JobUserRange.autoBase)
            #expect((settings.sandbox.jobUsers?.count ?? 0) >= configuration.workerCount(gpuCount: 0))
        }
        #expect(settings.sandbox.landlock == .auto)
        #expect(settings.sandbox.pidNamespace == .auto)
    }
}
