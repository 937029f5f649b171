import Foundation
import Glibc
import JSON
@testable import Miner
import ServiceRuntime
import TestSupport
import Testing
import WireModels

/// The miner as a child subreaper (issue #10, defect 5): the layer that holds when the host
/// has no PID namespace, no Landlock signal scope and no job users. The attack runs in the
/// `miner-orphan-child` executable (Tests/MinerOrphanChild): a subreaper changes the whole
/// process, which must not be this shared test process.
@Suite("Execution: the miner as child subreaper (issue #10)")
struct ExecutionSubreaperTests {
    /// What the child saw, and its log lines.
    struct Run {
        var result: JSONValue
        var logs: [String]
        /// Processes carrying the marker once the child has exited (killed, so none is left).
        var leftovers: Int
    }

    /// The child binary, built next to the test bundle by `swift build --build-tests`.
    static func childPath() throws -> String {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("miner-orphan-child").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        throw ChildNotBuilt()
    }

    struct ChildNotBuilt: Error, CustomStringConvertible {
        var description: String { "miner-orphan-child not found: run `swift build --build-tests` (it builds every target)" }
    }

    /// Runs the attack in the child with the subreaper on or off; bounded to 60 s.
    static func run(subreaper: Bool) async throws -> Run {
        let directory = try TemporaryDirectory(prefix: "aitbc-orphans")
        let marker = "aitbc-orphan-\(UUID().uuidString)"
        var environment = TestPaths.baseEnvironment()
        environment["AITBC_ORPHAN_MARKER"] = marker
        let child = try ChildProcess(
            try childPath(), [directory.url.path, subreaper ? "on" : "off"], environment: environment, directory: directory.url.path)
        let status = await child.wait(timeout: .seconds(60))
        let lines = child.stdout.split(separator: "\n").map(String.init)
        // Whatever the attack left is killed, by pid: only processes this test started.
        let leftovers = processesCarrying(marker)
        for pid in leftovers { kill(pid, SIGKILL) }
        #expect(status == 0, "\(child.stderr)")
        let line = try #require(lines.last { $0.hasPrefix("RESULT ") }, "\(child.stdout)\n\(child.stderr)")
        let result = try JSONParser(limits: .init(maxInputBytes: 1 << 16)).parse(String(line.dropFirst("RESULT ".count)))
        return Run(result: result, logs: lines.filter { !$0.hasPrefix("RESULT ") }, leftovers: leftovers.count)
    }

    // `setsid sh -c "while :; do sleep 1; done" & kill -9 $PPID`, everything else off (the
    // tool waits for the loop to have started before it kills its reaper).
    @Test(
        "with no namespace, Landlock or job user, a setsid loop whose tool kills its reaper dies with the job; concurrent children keep their exit status",
        .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/setsid")))
    func subreaperKillsTheEscapee() async throws {
        let run = try await Self.run(subreaper: true)
        #expect(run.result["attack"]?.stringValue == MinerErrorCode.runtime.rawValue)
        #expect(run.result["survivors"] == 0)
        #expect(run.leftovers == 0)
        #expect(run.result["ordinary"]?.stringValue == "completed")
        #expect(run.result["ordinary_stdout"]?.stringValue == "ordinary-done\n")
        #expect(run.result["child_status"] == 7)
        #expect((run.result["killed"]?.integerValue?.intValue ?? 0) >= 1)
        let kills = run.logs.filter { $0.contains("\"event\":\"orphan_killed\"") }
        // The child names its jobs 0…0a (ordinary) and 0…0b (escape).
        #expect(kills.contains { $0.contains("\"job_id\":\"0000000000000000000000000000000b\"") && $0.contains("\"level\":\"warning\"") && $0.contains("\"pid\":") })
        #expect(!kills.contains { $0.contains("\"job_id\":\"0000000000000000000000000000000a\"") })
    }

    // Shows the test above would catch a miner without the subreaper: the same attack wins.
    @Test(
        "control: without the subreaper the same attack outlives the job",
        .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/setsid")))
    func withoutSubreaperTheEscapeeSurvives() async throws {
        let run = try await Self.run(subreaper: false)
        #expect(run.result["attack"]?.stringValue == MinerErrorCode.runtime.rawValue)
        #expect((run.result["survivors"]?.integerValue?.intValue ?? 0) >= 1)
        #expect(run.leftovers >= 1)
        #expect(run.result["child_status"] == 7)
        #expect(run.result["killed"] == 0)
    }

    @Test(
        "/proc/<pid>/stat is read after the last ')': a command name may hold spaces and parentheses",
        arguments: [
            ("42 (sh) S 7 42 40 0 -1", "sh"), ("42 (a) S 1 2 3) R 7 42 40 0", "a) S 1 2 3"), ("42 (x y (z)) Z 7 42 40", "x y (z)"),
        ])
    func statParsing(line: String, command: String) throws {
        let entry = try #require(ProcessTable.parseStat(Array(line.utf8)))
        #expect(entry.pid == 42)
        #expect(entry.command == command)
        #expect(entry.parent == 7)
        #expect(entry.group == 42)
        #expect(entry.session == 40)
    }

    @Test("malformed stat lines are refused", arguments: ["", "42 sh S 7 42 40", "42 (sh) S 7 x 40", "42 (sh) S 7"])
    func statRejects(line: String) {
        #expect(ProcessTable.parseStat(Array(line.utf8)) == nil)
    }

    // ownChildren must also find children a hidepid /proc hides (other uids): the kernel's
    // per-thread children lists name them.
    @Test(
        "the per-thread children lists name a child this process spawned",
        .enabled(if: FileManager.default.fileExists(atPath: "/proc/thread-self/children")))
    func listedChildrenNameAChild() async throws {
        let directory = try TemporaryDirectory(prefix: "aitbc-children")
        let child = try ChildProcess("/bin/sleep", ["30"], environment: [:], directory: directory.url.path)
        #expect(ProcessTable.listedChildren().contains(child.pid))
        #expect(ProcessTable.ownChildren().contains { $0.pid == child.pid && $0.parent == getpid() })
        child.send(SIGKILL)
        #expect(await child.wait(timeout: .seconds(30)) == 128 + SIGKILL)
    }

    @Test("sandbox.orphan_sweep_interval_s: 2 s by default, units accepted, out of range refused")
    func sweepIntervalSetting() throws {
        #expect(try MinerConfiguration.load(configPath: nil, environment: [:]).sandbox.orphanSweepInterval == .seconds(2))
        let flags = ["sandbox.orphan_sweep_interval_s": "500ms"]
        #expect(try MinerConfiguration.load(configPath: nil, environment: [:], flags: flags).sandbox.orphanSweepInterval == .milliseconds(500))
        #expect(throws: ConfigurationError.self) {
            try MinerConfiguration.load(configPath: nil, environment: [:], flags: ["sandbox.orphan_sweep_interval_s": "0"])
        }
    }

    @Test("the test process itself is not a subreaper (the sweeper is off unless enabled)")
    func offByDefault() {
        #expect(!OrphanSweeper.processIsChildSubreaper)
        #expect(!OrphanSweeper.shared.isEnabled)
    }
}
