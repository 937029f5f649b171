import Foundation
import Glibc
import JSON
import ServiceRuntime
import Synchronization
import TestSupport
import Testing

@testable import Miner

/// What a new user meets at start: the warnings and refusals are said on stderr as well as in
/// the JSON log, and a root miner with job users creates the folders it needs reachable.
@Suite(.serialized) struct AgentStartupTests {
    static let probe = HostProbe(
        cpu: .init(logicalCores: 1, arch: "x86_64", model: nil), memoryTotalBytes: nil, workspaceFreeBytes: nil, gpus: [], cuda: nil,
        gpuProbeError: nil)

    static func configuration(mock: MockCoordinator, root: String, extra: [String: String] = [:]) throws -> MinerConfiguration {
        try MinerConfiguration.load(
            configPath: nil, environment: [:],
            flags: [
                "node_id": agentTestNodeID, "coordinator.base_url": mock.baseURL, "coordinator.auth_token": agentTestToken,
                "heartbeat.interval_s": "0.05", "poll.interval_s": "0.02", "poll.max_wait_s": "0", "health_bind": "127.0.0.1:0",
                "workspace.root": root,
            ].merging(extra) { _, new in new })
    }

    // A new user started without key_file and nothing said that results went out unsigned.
    @Test func startingWithoutAKeyFileWarnsThatResultsAreUnsigned() async throws {
        let mock = MockCoordinator()
        try await mock.start()
        defer { Task { await mock.stop() } }
        let directory = try TemporaryDirectory(prefix: "aitbc-miner-startup")
        let logs = LogCapture()
        let console = ConsoleCapture()
        let daemon = MinerDaemon(
            configuration: try Self.configuration(mock: mock, root: directory.path("jobs")), executor: ProbeExecutor(), logger: logs.logger,
            console: console.console)
        let shutdown = ShutdownSignal(signals: [])
        let running = Task { try await daemon.run(shutdown: shutdown, probe: Self.probe) }
        #expect(await eventually { mock.read { $0.registered } })
        shutdown.fire(15)
        #expect(try await running.value == 0)
        let warning = try #require(logs.events("results_unsigned").first)
        #expect(warning["level"]?.stringValue == "warning")
        #expect(warning["reason"]?.stringValue?.contains("MINER_KEY_PINNED") == true)
        let line = try #require(console.all.first { $0.contains("no key_file") })
        #expect(line.hasPrefix("warning: "))
        #expect(line.contains("without a signed work claim"))
        #expect(line.contains("aitbc keygen"))
        #expect(mock.read { $0.publicKeyHex } == nil)
    }

    @Test func aKeyFileMeansNoUnsignedWarning() async throws {
        let mock = MockCoordinator()
        try await mock.start()
        defer { Task { await mock.stop() } }
        let directory = try TemporaryDirectory(prefix: "aitbc-miner-startup")
        let keyPath = directory.path("miner-key.json")
        let keyText = #"{"private_key_hex":"\#(Ed25519Fixture.seedHex)"}"#
        #expect(FileManager.default.createFile(atPath: keyPath, contents: Data(keyText.utf8), attributes: [.posixPermissions: 0o600]))
        let logs = LogCapture()
        let console = ConsoleCapture()
        let daemon = MinerDaemon(
            configuration: try Self.configuration(mock: mock, root: directory.path("jobs"), extra: ["key_file": keyPath]),
            executor: ProbeExecutor(), logger: logs.logger, console: console.console)
        let shutdown = ShutdownSignal(signals: [])
        let running = Task { try await daemon.run(shutdown: shutdown, probe: Self.probe) }
        #expect(await eventually { mock.read { $0.registered } })
        shutdown.fire(15)
        #expect(try await running.value == 0)
        #expect(logs.events("results_unsigned").isEmpty)
        #expect(console.all.isEmpty)
    }

    // A root miner with the CLI runner failed to start, one folder per start, for folders it
    // had created itself 0700 above workspace.root ("…/data/miner is not searchable by others").
    @Test(.enabled(if: geteuid() == 0, "job users need root"))
    func rootMinerWithJobUsersCreatesSearchableParentsAndStarts() async throws {
        let mock = MockCoordinator()
        try await mock.start()
        defer { Task { await mock.stop() } }
        let directory = try TemporaryDirectory(prefix: "aitbc-miner-startup")
        #expect(chmod(directory.url.path, 0o711) == 0)
        let root = directory.path("data/miner/jobs")
        let configuration = try Self.configuration(
            mock: mock, root: root, extra: ["runners.cli.enable": "true", "sandbox.landlock": "off", "sandbox.pid_namespace": "off"])
        let logs = LogCapture()
        let daemon = MinerDaemon(configuration: configuration, logger: logs.logger, console: ConsoleCapture().console) { probe in
            try JobExecutor(settings: configuration.executorSettings(gpuCount: probe.gpus.count))
        }
        let shutdown = ShutdownSignal(signals: [])
        let running = Task { try await daemon.run(shutdown: shutdown, probe: Self.probe) }
        #expect(await eventually { mock.read { $0.registered } })
        shutdown.fire(15)
        #expect(try await running.value == 0)
        #expect(logs.events("sandbox").first?["job_uids"]?.stringValue != "miner")
        for parent in ["data", "data/miner"] {
            var info = stat()
            #expect(stat(directory.path(parent), &info) == 0)
            #expect(info.st_mode & 0o777 == 0o711, "\(parent)")
        }
    }

    @Test func everyBlockingAncestorIsNamedInOneMessage() throws {
        let directory = try TemporaryDirectory(prefix: "aitbc-miner-startup")
        let base = directory.url.path
        #expect(mkdir(base + "/a", 0o700) == 0)
        #expect(mkdir(base + "/a/b", 0o755) == 0)
        #expect(mkdir(base + "/a/b/c", 0o700) == 0)
        #expect(chmod(base, 0o700) == 0)
        #expect(chmod(base + "/a/b", 0o755) == 0)
        let root = base + "/a/b/c/d/jobs"
        let blocked = SandboxConfinement.untraversableAncestors(root)
        #expect(blocked == [base, base + "/a", base + "/a/b/c"])
        let message = SandboxConfinement.unreachableRootMessage(root, blocked: blocked)
        #expect(message.contains("\(base), \(base)/a, \(base)/a/b/c are not searchable by others"))
        #expect(message.contains("chmod o+x \(base) \(base)/a \(base)/a/b/c"))
        #expect(SandboxConfinement.untraversableAncestors("/usr/bin/x").isEmpty)
    }

    @Test func missingParentsAreCreatedSearchableAndExistingOnesLeftAlone() throws {
        let directory = try TemporaryDirectory(prefix: "aitbc-miner-startup")
        let base = directory.url.path
        #expect(mkdir(base + "/kept", 0o700) == 0)
        try JobWorkspace.createSearchableParents(of: base + "/kept/new/deeper/jobs")
        func mode(_ path: String) -> mode_t {
            var info = stat()
            return stat(path, &info) == 0 ? info.st_mode & 0o777 : 0
        }
        #expect(mode(base + "/kept") == 0o700)
        #expect(mode(base + "/kept/new") == 0o711)
        #expect(mode(base + "/kept/new/deeper") == 0o711)
        #expect(!FileManager.default.fileExists(atPath: base + "/kept/new/deeper/jobs"))
    }

    // The refusal was only a JSON line on stdout; it is on stderr now, naming every folder.
    @Test(.enabled(if: AgentExecutable.path != nil && geteuid() == 0, "needs the built aitbc-miner and root"))
    func executableSaysStartUpRefusalsOnStderr() async throws {
        let binary = try #require(AgentExecutable.path)
        let directory = try TemporaryDirectory(prefix: "aitbc-miner-startup")
        let base = directory.url.path
        #expect(mkdir(base + "/a", 0o700) == 0)
        #expect(chmod(base, 0o700) == 0)
        let refused = try await AgentExecutable.run(
            binary, ["run", "--workspace-root", base + "/a/b/jobs", "--health-bind", "127.0.0.1:0"],
            environment: [
                "AITBC_MINER_COORDINATOR__AUTH_TOKEN": "t", "AITBC_MINER_COORDINATOR__BASE_URL": "http://127.0.0.1:9/v1",
                "AITBC_MINER_RUNNERS__CLI__ENABLE": "true", "AITBC_MINER_SANDBOX__LANDLOCK": "off",
                "AITBC_MINER_SANDBOX__PID_NAMESPACE": "off",
            ])
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("\(base), \(base)/a are not searchable by others"), "\(refused.output)")
        #expect(refused.stderr.contains("chmod o+x \(base) \(base)/a"))
        let missingToken = try await AgentExecutable.run(
            binary, ["run", "--workspace-root", base + "/jobs", "--health-bind", "127.0.0.1:0"], environment: [:])
        #expect(missingToken.status == 2)
        #expect(missingToken.stderr.contains("coordinator.auth_token"), "\(missingToken.output)")
    }

    /// Found by the issue 12 new-user run: `run` reported a workspace root under a regular file
    /// as "NSCocoaErrorDomain error 512" (while --print-config named it), and a missing
    /// allowlist or config file with Foundation's wording. Both name the path and errno text now.
    @Test(.enabled(if: AgentExecutable.path != nil, "aitbc-miner is not built"))
    func fileErrorsNameThePathAndTheSystemsReason() async throws {
        let binary = try #require(AgentExecutable.path)
        let directory = try TemporaryDirectory(prefix: "aitbc-miner-files")
        let base = directory.url.path
        #expect(FileManager.default.createFile(atPath: base + "/regular", contents: Data("x".utf8)))
        let environment = ["AITBC_MINER_COORDINATOR__AUTH_TOKEN": "t", "AITBC_MINER_COORDINATOR__BASE_URL": "http://127.0.0.1:9/v1"]
        let underFile = try await AgentExecutable.run(
            binary, ["run", "--workspace-root", base + "/regular/jobs", "--health-bind", "127.0.0.1:0"], environment: environment)
        #expect(underFile.status == 2)
        #expect(underFile.stderr.contains("\(base)/regular/jobs: Not a directory"), "\(underFile.output)")
        #expect(!underFile.output.contains("NSCocoaErrorDomain"))
        let missingConfig = try await AgentExecutable.run(
            binary, ["run", "--config", base + "/none.yaml", "--print-config"], environment: environment)
        #expect(missingConfig.status == 2)
        #expect(missingConfig.stderr.contains("No such file or directory"), "\(missingConfig.output)")
        #expect(!missingConfig.output.contains("could not be completed"))
    }
}
