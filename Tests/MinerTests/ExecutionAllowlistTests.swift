import Foundation
import JSON
import Miner
import TestSupport
import Testing
import WireModels

@Suite("Execution: CLI allowlist (spec §6, §13.4)")
struct ExecutionAllowlistTests {
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test("the example allowlist files in configs/ parse", arguments: ["ffmpeg", "sha256sum"])
    func exampleFilesParse(name: String) throws {
        let file = Self.repositoryRoot.appendingPathComponent("configs/miner/allowlist.d/\(name).yaml").path
        let tool = try AllowlistedTool.load(file: file)
        #expect(tool.name == name)
        #expect(tool.path == "/usr/bin/\(name)")
        #expect(!tool.rules.isEmpty)
    }

    @Test("invalid allowlist files fail fast naming the file", arguments: [
        "args: []",
        "command: { path: \"relative/tool\" }",
        "command: { path: \"/bin/x\" }\nargs: [[\"-a\", \"(unclosed\"]]",
        "command: { path: \"/bin/x\" }\nargs: [[\"a\", \"b\", \"c\"]]",
        "command: { path: \"/bin/x\" }\nmax_runtime_s: -1",
        "command: { path: \"/bin/x\" }\nmax_runtme_s: 5",
        "- just a list",
    ])
    func invalidFilesFail(text: String) throws {
        let sandbox = try ExecutionSandbox()
        let file = sandbox.directory.path("bad.yaml")
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        #expect(throws: AllowlistError.self) { try JobExecutor(settings: sandbox.settings(allowlist: [file])) }
        do {
            _ = try JobExecutor(settings: sandbox.settings(allowlist: [file]))
        } catch {
            #expect(error.description.contains(file))
        }
        #expect(throws: AllowlistError.self) { try JobExecutor(settings: sandbox.settings(allowlist: [sandbox.directory.path("missing.yaml")])) }
    }

    /// A tool that would leave a marker file if it ever ran.
    static func markerTool(_ sandbox: ExecutionSandbox) throws -> (allowlist: String, marker: String) {
        let marker = sandbox.directory.path("ran-marker")
        let allowlist = try sandbox.tool(
            "marker", script: "echo ran > \(marker)",
            args: #"[["-v"], ["--mode", "(fast|slow)"], ["[a-z]+\\.txt"]]"#, extra: "max_total_args_len: 40")
        return (allowlist, marker)
    }

    @Test("a CLI job naming a tool that is not allowlisted fails E_DENY and spawns no process", arguments: ["sh", "/bin/sh", "marker.sh", "../marker"])
    func toolNotAllowlistedIsDenied(command: String) async throws {
        let sandbox = try ExecutionSandbox()
        let (allowlist, marker) = try Self.markerTool(sandbox)
        let executor = try JobExecutor(settings: sandbox.settings(allowlist: [allowlist]))
        let outcome = await executor.execute(testJob("deny", payload: ["type": "cli", "command": .string(command)]), context: ExecutionContext())
        #expect(outcome.code == .deny)
        #expect(!sandbox.exists(marker))
    }

    @Test("a CLI arg not matching the tool schema fails E_DENY and spawns no process", arguments: [
        ["-x"], ["--mode", "medium"], ["--mode"], ["file.txt", "-v", "FILE.TXT"], ["/etc/passwd"], ["a..txt"], ["a\0.txt"],
        ["abcdefghijklmnopqrstuvwxyz.txt", "abcdefghijklmnop.txt"], ["-v", "--mode", "fast", "x.txtz"],
    ])
    func argNotMatchingIsDenied(args: [String]) async throws {
        let sandbox = try ExecutionSandbox()
        let (allowlist, marker) = try Self.markerTool(sandbox)
        let executor = try JobExecutor(settings: sandbox.settings(allowlist: [allowlist]))
        let payload: JSONValue = ["type": "cli", "command": "marker", "args": .array(args.map { .string($0) })]
        let outcome = await executor.execute(testJob("deny", payload: payload), context: ExecutionContext())
        #expect(outcome.code == .deny)
        #expect(!sandbox.exists(marker))
        #expect(!sandbox.exists(sandbox.root + "/" + jid("deny")))
    }

    @Test("matching args run the allowlisted tool (the marker proves the tool would run)")
    func matchingArgsRun() async throws {
        let sandbox = try ExecutionSandbox()
        let (allowlist, marker) = try Self.markerTool(sandbox)
        let executor = try JobExecutor(settings: sandbox.settings(allowlist: [allowlist]))
        let payload: JSONValue = ["type": "cli", "command": "marker", "args": ["-v", "--mode", "fast", "in.txt"]]
        let outcome = await executor.execute(testJob("ok", payload: payload), context: ExecutionContext())
        #expect(outcome.result?["exit_code"] == 0)
        #expect(sandbox.exists(marker))
    }

    /// A tool whose rules accept any non-flag token and the ordinary flags below, so only the
    /// generic checks can deny.
    static func permissiveTool(_ sandbox: ExecutionSandbox) throws -> (allowlist: String, marker: String) {
        let marker = sandbox.directory.path("ran-marker")
        let args = #"[[".+"], ["-c:v"], ["--level=3"], ["-metadata:s:a:0"]]"#
        return (try sandbox.tool("anything", script: "echo ran > \(marker)", args: args), marker)
    }

    /// Tokens the generic checks must deny whatever the tool's rules say, and ordinary ones they must let through.
    static let genericCheckCases: [(token: String, denied: Bool)] =
        [
            "file:/etc/passwd", "http://169.254.169.254/x.mp4", "FILE:x", "concat:a.mp4|b.mp4", "data:text/plain,hi",
            "--in=/etc/passwd", "--in=../x", "-i=a=/abs", "--src=file:/etc/passwd", "x=http://h/y",
            "/\u{301}etc/passwd", "a\u{301}..\u{301}/x", "=/abs",
        ].map { ($0, true) }
        + ["out.txt", "-c:v", "scale=640:360", "--level=3", "output/x.mp4", "00:00:10", "a.b.c", "-metadata:s:a:0"].map { ($0, false) }

    @Test("URL/scheme tokens and absolute or '..' values after '=' are denied whatever the tool's rules; ordinary tokens pass",
          arguments: genericCheckCases)
    func genericChecks(token: String, denied: Bool) async throws {
        let sandbox = try ExecutionSandbox()
        let (allowlist, marker) = try Self.permissiveTool(sandbox)
        let executor = try JobExecutor(settings: sandbox.settings(allowlist: [allowlist]))
        let payload: JSONValue = ["type": "cli", "command": "anything", "args": [.string(token)]]
        let outcome = await executor.execute(testJob("generic", payload: payload), context: ExecutionContext())
        if denied {
            #expect(outcome.code == .deny)
            #expect(!sandbox.exists(marker))
        } else {
            #expect(outcome.result?["exit_code"] == 0)
            #expect(sandbox.exists(marker))
        }
    }

    @Test("cli disabled denies every CLI job")
    func cliDisabled() async throws {
        let sandbox = try ExecutionSandbox()
        let (allowlist, marker) = try Self.markerTool(sandbox)
        var settings = sandbox.settings(allowlist: [allowlist])
        settings.cliEnabled = false
        let outcome = await (try JobExecutor(settings: settings)).execute(
            testJob("off", payload: ["type": "cli", "command": "marker"]), context: ExecutionContext())
        #expect(outcome.code == .deny)
        #expect(!sandbox.exists(marker))
    }
}
