import Foundation
import Glibc
import HTTP1
import HTTPServer
import JSON
import Logging
import Miner
import Synchronization
import TestSupport

/// A temp workspace root plus helpers to write tool scripts and allowlist files.
final class ExecutionSandbox: Sendable {
    let directory: TemporaryDirectory
    var root: String { directory.path("jobs") }

    init() throws {
        directory = try TemporaryDirectory(prefix: "aitbc-exec")
    }

    /// Writes an executable `/bin/sh` script and an allowlist file naming it; returns the allowlist path.
    func tool(_ name: String, script: String, args: String = "[]", extra: String = "") throws -> String {
        let scriptPath = directory.path("\(name).sh")
        try writeExecutableScript("#!/bin/sh\n" + script + "\n", to: scriptPath)
        let allowlist = directory.path("\(name).yaml")
        try "command: { path: \"\(scriptPath)\" }\nargs: \(args)\n\(extra)\n".write(toFile: allowlist, atomically: true, encoding: .utf8)
        return allowlist
    }

    /// Settings over this sandbox; Landlock (where the kernel has it) also lets tools read
    /// `/proc` and write the sandbox's own folder, where tests leave their markers.
    func settings(
        allowlist: [String] = [], logCap: Int = 1024 * 1024, grace: Int = 1, ollama: String = "http://127.0.0.1:9",
        sandbox confinement: SandboxSettings? = nil
    ) -> ExecutorSettings {
        ExecutorSettings(
            workspaceRoot: root, allowlistFiles: allowlist, ollamaURL: ollama, logCapBytes: logCap, killGraceSeconds: grace,
            sandbox: confinement
                ?? SandboxSettings(
                    landlockReadPaths: SandboxSettings.defaultReadPaths + ["/proc"],
                    landlockWritePaths: SandboxSettings.defaultWritePaths + [directory.url.path]))
    }

    func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }
}

/// Records what `onSpawn` reported.
final class SpawnRecorder: Sendable {
    let value = Mutex<(pid: Int32, group: Int32)?>(nil)
    var group: Int32? { value.withLock { $0?.group } }

    func context(gpus: [Int] = []) -> ExecutionContext {
        ExecutionContext(gpuIndices: gpus) { pid, group in self.value.withLock { $0 = (pid, group) } }
    }

    /// Waits (generously) until the child exists.
    func waitForSpawn() async throws -> Int32 {
        for _ in 0..<600 {
            if let group { return group }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw CancellationError()
    }
}

/// Whether any process of `group` still exists (`kill(-pgid, 0)`); waits up to 10 s for it to go.
func processGroupGone(_ group: Int32) async -> Bool {
    for _ in 0..<200 {
        if kill(-group, 0) != 0 && errno == ESRCH { return true }
        try? await Task.sleep(for: .milliseconds(50))
    }
    return false
}

extension JobOutcome {
    var code: MinerErrorCode? {
        if case .failed(let code, _, _) = self { return code }
        return nil
    }
    var message: String? {
        if case .failed(_, let message, _) = self { return message }
        return nil
    }
    var result: JSONValue? {
        if case .completed(let result, _) = self { return result }
        return nil
    }
    var metrics: JSONValue {
        switch self {
        case .completed(_, let metrics), .failed(_, _, let metrics): metrics
        }
    }
}

/// Starts an HTTP server on 127.0.0.1:0, runs `body` with its port, stops it.
func withExecutionTestServer<T: Sendable>(router: Router, _ body: (Int) async throws -> T) async throws -> T {
    try await serving(router, configuration: HTTPServerConfiguration(host: "127.0.0.1", port: 0, eventLoopThreads: 1)) { _, port in
        try await body(port)
    }
}
