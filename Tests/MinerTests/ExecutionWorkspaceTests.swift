import Foundation
import Cryptography
import Glibc
import JSON
import Miner
import TestSupport
import Testing
import WireModels

@Suite("Execution: workspace and path safety (spec §8, §13.3)")
struct ExecutionWorkspaceTests {
    /// The executor only ever sees a `JobID` (32 lowercase hex, one safe path component):
    /// anything else is refused where the poll answer is decoded, before a job exists.
    @Test(
        "ids that could escape the workspace are no job ids",
        arguments: ["../x", "a/b", ".", "..", "", String(repeating: "a", count: 129), "a\0b", "../../etc", "job-1"])
    func invalidJobIDsAreRejected(id: String) throws {
        #expect(JobID(id) == nil)
        let assigned: JSONValue = ["job_id": .string(id), "payload": ["type": "sha256", "input": "x"]]
        #expect(throws: WireDecodingError.self) { try AssignedJob(json: assigned) }
    }

    @Test("an existing job directory (the loop's state.json) is accepted")
    func existingDirectoryAccepted() async throws {
        let sandbox = try ExecutionSandbox()
        try FileManager.default.createDirectory(atPath: sandbox.root + "/" + jid("pre"), withIntermediateDirectories: true)
        try "{}".write(toFile: sandbox.root + "/" + jid("pre") + "/state.json", atomically: true, encoding: .utf8)
        let executor = try JobExecutor(settings: sandbox.settings())
        let outcome = await executor.execute(testJob("pre", payload: [:]), context: ExecutionContext())
        #expect(outcome.result != nil)
        #expect(sandbox.exists(sandbox.root + "/" + jid("pre") + "/state.json"))
        var info = stat()
        #expect(lstat(sandbox.root + "/" + jid("pre") + "/output", &info) == 0 && info.st_mode & 0o777 == 0o700)
    }

    @Test("a job directory that is a symlink is refused")
    func symlinkedJobDirectoryRefused() async throws {
        let sandbox = try ExecutionSandbox()
        let outside = sandbox.directory.path("outside")
        try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: sandbox.root, withIntermediateDirectories: true)
        symlink(outside, sandbox.root + "/" + jid("evil"))
        let executor = try JobExecutor(settings: sandbox.settings())
        let outcome = await executor.execute(testJob("evil", payload: [:]), context: ExecutionContext())
        #expect(outcome.code == .runtime)
        #expect(try FileManager.default.contentsOfDirectory(atPath: outside).isEmpty)
    }

    @Test("symlinks planted in work/ and output/ are not followed by artifact hashing")
    func plantedSymlinksNotFollowed() async throws {
        let sandbox = try ExecutionSandbox()
        let secret = sandbox.directory.path("secret.txt")
        try "top secret".write(toFile: secret, atomically: true, encoding: .utf8)
        let allowlist = try sandbox.tool(
            "planter",
            script: """
                ln -s \(secret) leak
                ln -s \(secret) ../output/leak.txt
                ln -s \(sandbox.directory.url.path) ../output/dir
                printf real > ../output/real.txt
                """)
        let executor = try JobExecutor(settings: sandbox.settings(allowlist: [allowlist]))
        let outcome = await executor.execute(testJob("plant", payload: ["type": "cli", "command": "planter"]), context: ExecutionContext())
        let artifacts = try #require(outcome.result?["artifacts"]?.arrayValue)
        #expect(artifacts.count == 1)
        #expect(artifacts.first?["path"] == "real.txt")
        #expect(artifacts.first?["bytes"] == 4)
    }

    @Test("a tool in work/ reads input/ and writes output/ by relative names; the miner hashes the artifact")
    func toolReachesInputAndOutputFromWork() async throws {
        let sandbox = try ExecutionSandbox()
        let allowlist = try sandbox.tool(
            "upper", script: "tr a-z A-Z < \"$1\" > \"$2\"", args: #"[["input/input\\.txt"], ["output/[a-z]{1,16}\\.txt"]]"#)
        let executor = try JobExecutor(settings: sandbox.settings(allowlist: [allowlist]))
        let outcome = await executor.execute(
            testJob(
                "upper",
                payload: ["type": "cli", "command": "upper", "args": ["input/input.txt", "output/shout.txt"], "input": "quiet words"]),
            context: ExecutionContext())
        let artifacts = try #require(outcome.result?["artifacts"]?.arrayValue)
        #expect(artifacts.count == 1)
        #expect(artifacts.first?["path"] == "shout.txt")
        #expect(artifacts.first?["sha256"]?.stringValue == Hex.encode(SHA256.hash(utf8: "QUIET WORDS")))
        #expect(try String(contentsOfFile: sandbox.root + "/" + jid("upper") + "/output/shout.txt", encoding: .utf8) == "QUIET WORDS")
    }
}
