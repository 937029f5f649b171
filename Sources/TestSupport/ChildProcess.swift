public import Foundation
import Glibc
public import ServiceRuntime
import Synchronization

/// Paths of the repository and of built products, for tests that run real binaries.
public enum TestPaths {
    /// The package root (three levels above this file).
    public static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// A built executable next to the test bundle (or under `.build/debug`), nil when not built.
    public static func product(_ name: String) -> String? {
        var candidates: [URL] = []
        if let first = CommandLine.arguments.first {
            candidates.append(URL(fileURLWithPath: first).deletingLastPathComponent().appendingPathComponent(name))
        }
        candidates.append(root.appendingPathComponent(".build/debug/\(name)"))
        return candidates.map(\.path).first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// The first executable called `name` on PATH.
    public static func onPath(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// A minimal environment for children: no settings leak in from the test's own environment.
    public static func baseEnvironment() -> [String: String] {
        let parent = ProcessInfo.processInfo.environment
        var environment: [String: String] = ["PATH": parent["PATH"] ?? "/usr/bin:/bin"]
        for name in ["HOME", "TMPDIR", "LANG"] { environment[name] = parent[name] }
        return environment
    }

    /// Whether `python3 -c "import <module>"` works. Blocks: call it from test set-up, not async code.
    public static func pythonHas(_ module: String) -> Bool {
        guard let python = onPath("python3"),
            let child = try? ChildProcess(python, ["-c", "import \(module)"], environment: baseEnvironment(), directory: "/")
        else { return false }
        return child.waitBlocking(timeout: .seconds(60)) == 0
    }
}

/// Runs blocking work on a thread of its own and resumes with its result. Never Dispatch's
/// global queues or the cooperative pool: on Linux their threads are few and do not grow for
/// work blocked in poll(2)/waitpid(2), so blocking there starves in-process servers (ours and
/// those of other suites running in parallel).
public func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        let thread = Thread { continuation.resume(returning: body()) }
        thread.start()
    }
}

/// `onOwnThread` for work that throws. Synchronous tests that wait on child processes for seconds
/// (the crash tests) go through it: swift-testing runs a synchronous test body on a pool thread,
/// and two of them starved every in-process server of the parallel run for 20 s (CI stop 24).
public func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread { continuation.resume(with: Result { try body() }) }
        thread.start()
    }
}

/// A real `aitbc-coordinator` process on a free loopback port (`--port 0`; the port is read
/// from its `listening` log line).
public final class CoordinatorProcess: Sendable {
    /// The process, killed if a test forgets it.
    public let process: ListeningProcess
    /// The running binary.
    public var child: ChildProcess { process.child }
    /// The port it listens on.
    public var port: Int { process.port }

    /// Starts the binary with `settings` as environment variables and waits until it listens.
    /// - Parameter port: 0 for a free ephemeral port; a fixed port to restart a coordinator
    ///   where its miners expect it.
    public init(
        binary: String, dataDirectory: String, settings: [String: String], workDirectory: String, port requestedPort: Int = 0
    ) async throws {
        process = try await ListeningProcess(
            binary: binary,
            arguments: ["--host", "127.0.0.1", "--port", String(requestedPort), "--data-dir", dataDirectory, "--env-file", "/dev/null"],
            settings: settings, directory: workDirectory)
    }

    /// `http://127.0.0.1:<port>/v1`.
    public var baseURL: String { "\(process.url)/v1" }

    /// SIGTERM (drain) and wait; the exit status.
    @discardableResult
    public func stop() async -> Int32 { await process.stop(timeout: .seconds(60)) }

    /// The port of the first `"event":"listening"` line.
    public static func listeningPort(in log: String) -> Int? {
        for line in log.split(separator: "\n") where line.contains(#""event":"listening""#) {
            guard let range = line.range(of: #""port":""#) else { continue }
            let digits = line[range.upperBound...].prefix { $0.isNumber }
            return Int(digits)
        }
        return nil
    }
}

/// A child that never reached its ready state; carries its output.
public enum ProcessFailure: Error { case didNotStart(String) }
