import Foundation
import Glibc
import JSON
@testable import Miner
import TestSupport
import Testing
import WireModels

/// A file outside the job directory that planted hard links point at.
private struct OutsideFile {
    static let contents = "KEY MATERIAL, must stay intact"
    let path: String

    init(_ sandbox: ExecutionSandbox) throws {
        path = sandbox.directory.path("outside.key")
        try Self.contents.write(toFile: path, atomically: false, encoding: .utf8)
    }

    /// Hard-links the outside file as `name` (replacing what is there).
    func plant(at name: String) {
        unlink(name)
        #expect(link(path, name) == 0)
    }

    var intact: Bool { (try? String(contentsOfFile: path, encoding: .utf8)) == Self.contents }
}

@Suite("Execution: files the miner writes in a job directory")
struct ExecutionFileSafetyTests {
    @Test("hard links planted at the log names (stdout.log, .1, .tmp) never get the outside file written")
    func logSinkIgnoresHardLinks() throws {
        let sandbox = try ExecutionSandbox()
        let outside = try OutsideFile(sandbox)
        let logs = sandbox.directory.path("logs")
        try FileManager.default.createDirectory(atPath: logs, withIntermediateDirectories: true)
        for name in ["out.log", "out.log.1", "out.log.tmp"] { outside.plant(at: logs + "/" + name) }
        let sink = try LogSink(directory: logs, name: "out.log", cap: 8)
        let bytes = Array("0123456789abcdefghij".utf8)
        bytes.withUnsafeBufferPointer { sink.write(UnsafeBufferPointer(rebasing: $0[0..<10])) }
        bytes.withUnsafeBufferPointer { sink.write(UnsafeBufferPointer(rebasing: $0[10...])) }
        // Planted again just before the tail join opens the temporary file.
        outside.plant(at: logs + "/out.log.tmp")
        sink.finish()
        #expect(outside.intact)
        #expect(try String(contentsOfFile: logs + "/out.log", encoding: .utf8) == "cdefghij")
    }

    @Test("hard links planted at input/input.txt and work/input.txt are replaced, not written through")
    func inputIgnoresHardLinks() throws {
        let sandbox = try ExecutionSandbox()
        let outside = try OutsideFile(sandbox)
        let workspace = try JobWorkspace.prepare(root: sandbox.root, jobID: testJobID("linked"))
        outside.plant(at: workspace.input + "/input.txt")
        outside.plant(at: workspace.work + "/input.txt")
        try workspace.writeInput("fresh input")
        #expect(outside.intact)
        #expect(try String(contentsOfFile: workspace.input + "/input.txt", encoding: .utf8) == "fresh input")
        #expect(try String(contentsOfFile: workspace.work + "/input.txt", encoding: .utf8) == "fresh input")
    }

    @Test("a job that hard-links an outside file at the logs' temporary names cannot make the miner write it")
    func jobPlantedLinksInLogs() async throws {
        let sandbox = try ExecutionSandbox()
        let outside = try OutsideFile(sandbox)
        let allowlist = try sandbox.tool(
            "linker",
            script: """
                for name in stdout.log.tmp stderr.log.tmp stdout.log.1 stderr.log.1; do ln -f \(outside.path) ../logs/$name; done
                head -c 5000 /dev/zero | tr '\\000' a
                head -c 5000 /dev/zero | tr '\\000' b >&2
                """)
        let executor = try JobExecutor(settings: sandbox.settings(allowlist: [allowlist], logCap: 1024))
        let outcome = await executor.execute(testJob("linker", payload: ["type": "cli", "command": "linker"]), context: ExecutionContext())
        #expect(outcome.result?["exit_code"] == 0)
        #expect(outside.intact)
    }

    @Test("a re-assigned job id starts from empty input/work/output/logs; state.json and symlink targets stay")
    func reusedJobDirectoryIsEmptied() async throws {
        let sandbox = try ExecutionSandbox()
        let keep = sandbox.directory.path("keep")
        try FileManager.default.createDirectory(atPath: keep, withIntermediateDirectories: true)
        try "kept".write(toFile: keep + "/file.txt", atomically: false, encoding: .utf8)
        let first = try sandbox.tool(
            "first",
            script: """
                printf old > ../output/old.bin
                printf x > "../output/$(printf 'not-utf8-\\377')"
                mkdir -p ../output/deep/er && printf x > ../output/deep/er/f && chmod 000 ../output/deep/er ../output/deep
                ln -s \(keep) ../output/link
                ln -s \(keep) stale-link
                printf stale > stale.txt
                """)
        let second = try sandbox.tool("second", script: "ls -A .; ls -A ../input; ls -A ../output")
        let executor = try JobExecutor(settings: sandbox.settings(allowlist: [first, second]))
        let firstOutcome = await executor.execute(testJob("again", payload: ["type": "cli", "command": "first"]), context: ExecutionContext())
        #expect(firstOutcome.result?["artifacts"]?.arrayValue?.contains { $0["path"] == "old.bin" } == true)
        try "{}".write(toFile: sandbox.root + "/" + jid("again") + "/state.json", atomically: false, encoding: .utf8)

        let outcome = await executor.execute(testJob("again", payload: ["type": "cli", "command": "second"]), context: ExecutionContext())
        #expect(outcome.result?["artifacts"] == [])
        // work/ holds only the two links the miner makes; input/ and output/ are empty.
        #expect(outcome.result?["stdout_tail"] == "input\noutput\n")
        #expect(sandbox.exists(sandbox.root + "/" + jid("again") + "/state.json"))
        #expect(try String(contentsOfFile: keep + "/file.txt", encoding: .utf8) == "kept")
    }
}
