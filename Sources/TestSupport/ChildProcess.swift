public import Foundation
import ServiceRuntime
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

    /// Whether `python3 -c "import <module>"` works.
    public static func pythonHas(_ module: String) -> Bool {
        guard let python = onPath("python3") else { return false }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", "import \(module)"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do { try ProcessLaunch.run(process) } catch { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
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

/// A child process whose output goes to files (no pipe can fill up and stall it); waits
/// happen on a thread of their own, never on the cooperative pool.
public final class ChildProcess: @unchecked Sendable {
    /// The Foundation process.
    public let process = Process()
    /// Where its standard output goes.
    public let stdoutPath: String
    /// Where its standard error goes.
    public let stderrPath: String

    /// Starts `executable`.
    public init(_ executable: String, _ arguments: [String], environment: [String: String], directory: String) throws {
        stdoutPath = directory + "/stdout-\(UUID().uuidString).log"
        stderrPath = directory + "/stderr-\(UUID().uuidString).log"
        _ = FileManager.default.createFile(atPath: stdoutPath, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = environment
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: stdoutPath))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: stderrPath))
        try ProcessLaunch.run(process)
    }

    /// Its process id.
    public var pid: Int32 { process.processIdentifier }
    /// Everything it printed on standard output so far.
    public var stdout: String { (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "" }
    /// Everything it printed on standard error so far.
    public var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    /// Sends `signal` to this child only (by pid).
    public func send(_ signal: Int32) {
        if process.isRunning { kill(pid, signal) }
    }

    /// Waits for exit up to `timeout`; SIGKILLs the child past it. The exit status (or 128+signal).
    public func wait(timeout: Duration = .seconds(60)) async -> Int32 {
        let process = self.process
        let pid = self.pid
        return await onOwnThread {
            let deadline = ContinuousClock.now.advanced(by: timeout)
            while process.isRunning, ContinuousClock.now < deadline { usleep(20_000) }
            if process.isRunning { kill(pid, SIGKILL) }
            process.waitUntilExit()
            return process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
        }
    }

    /// Runs a command to completion: (status, stdout, stderr).
    public static func run(
        _ executable: String, _ arguments: [String], environment: [String: String], directory: String,
        timeout: Duration = .seconds(120)
    ) async throws -> (status: Int32, stdout: String, stderr: String) {
        let child = try ChildProcess(executable, arguments, environment: environment, directory: directory)
        let status = await child.wait(timeout: timeout)
        return (status, child.stdout, child.stderr)
    }
}

/// A real `aitbc-coordinator` process on a free loopback port (`--port 0`; the port is read
/// from its `listening` log line).
public final class CoordinatorProcess: @unchecked Sendable {
    /// The running binary.
    public let child: ChildProcess
    /// The port it listens on.
    public let port: Int

    /// Starts the binary with `settings` as environment variables and waits until it listens.
    /// - Parameter port: 0 for a free ephemeral port; a fixed port to restart a coordinator
    ///   where its miners expect it.
    public init(
        binary: String, dataDirectory: String, settings: [String: String], workDirectory: String, port requestedPort: Int = 0
    ) async throws {
        var environment = TestPaths.baseEnvironment()
        for (key, value) in settings { environment[key] = value }
        child = try ChildProcess(
            binary,
            ["--host", "127.0.0.1", "--port", String(requestedPort), "--data-dir", dataDirectory, "--env-file", "/dev/null"],
            environment: environment, directory: workDirectory)
        let deadline = ContinuousClock.now.advanced(by: .seconds(30))
        var found: Int?
        while found == nil {
            found = Self.listeningPort(in: child.stdout)
            if found != nil { break }
            guard child.process.isRunning, ContinuousClock.now < deadline else {
                child.send(SIGKILL)
                throw ProcessFailure.didNotStart(child.stdout + child.stderr)
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        guard let found else { throw ProcessFailure.didNotStart(child.stdout) }
        port = found
    }

    /// `http://127.0.0.1:<port>/v1`.
    public var baseURL: String { "http://127.0.0.1:\(port)/v1" }

    /// SIGTERM (drain) and wait; the exit status.
    @discardableResult
    public func stop() async -> Int32 {
        child.send(SIGTERM)
        return await child.wait()
    }

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
