public import Foundation
import CLinuxShims
import Glibc
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

/// A child process whose output goes to files (no pipe can fill up and stall it); waits
/// happen on a thread of their own, never on the cooperative pool.
///
/// Started with `clinux_spawn` (posix_spawn, descriptors closed in the child), not Foundation's
/// `Process`: on Linux `Process.run` lists every open descriptor of the test process to close
/// it in the child, which races with the hundreds of sockets and pipes parallel tests open and
/// close — it crashed the test process in CI.
public final class ChildProcess: Sendable {
    /// Where its standard output goes.
    public let stdoutPath: String
    /// Where its standard error goes.
    public let stderrPath: String
    /// Its process id.
    public let pid: Int32
    // The exit status once reaped (exit code, or 128 + signal); reaped exactly once.
    private let reaped = Mutex<Int32?>(nil)

    /// Why a child could not be started.
    public struct LaunchError: Error, CustomStringConvertible {
        /// The executable.
        public let path: String
        /// What the system said.
        public let errno: Int32

        public var description: String { "cannot start \(path): \(String(cString: strerror(errno)))" }
    }

    /// Starts `executable` with exactly `environment`, in `directory`; standard input from the
    /// file `stdin` (default `/dev/null`).
    public init(
        _ executable: String, _ arguments: [String], environment: [String: String], directory: String, stdin: String = "/dev/null"
    ) throws {
        stdoutPath = directory + "/stdout-\(UUID().uuidString).log"
        stderrPath = directory + "/stderr-\(UUID().uuidString).log"
        let input = open(stdin, O_RDONLY | O_CLOEXEC)
        let output = open(stdoutPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        let errors = open(stderrPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        defer {
            for fd in [input, output, errors] where fd >= 0 { close(fd) }
        }
        guard input >= 0, output >= 0, errors >= 0 else { throw LaunchError(path: executable, errno: errno) }
        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: Int32 = 0
        let result = argv.withUnsafeBufferPointer { argvBuffer in
            envp.withUnsafeBufferPointer { envpBuffer in
                clinux_spawn(executable, argvBuffer.baseAddress, envpBuffer.baseAddress, directory, input, output, errors, &pid)
            }
        }
        guard result == 0 else { throw LaunchError(path: executable, errno: result) }
        self.pid = pid
    }

    /// Everything it printed on standard output so far.
    public var stdout: String { (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "" }
    /// Everything it printed on standard error so far.
    public var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    /// Whether it has not exited yet (reaps it when it has).
    public var isRunning: Bool { reap(blocking: false) == nil }

    /// Its exit status (exit code, or 128 + signal) once it has exited; nil while running.
    public var exitStatus: Int32? { reap(blocking: false) }

    /// Sends `signal` to this child only (by pid), unless it has been reaped (its pid may be reused).
    public func send(_ signal: Int32) {
        reaped.withLock { status in
            if status == nil { kill(pid, signal) }
        }
    }

    /// Waits for exit up to `timeout` on a thread of its own; SIGKILLs the child past it.
    /// The exit status (or 128 + signal).
    public func wait(timeout: Duration = .seconds(60)) async -> Int32 {
        await onOwnThread { [self] in waitBlocking(timeout: timeout) }
    }

    /// `wait(timeout:)` on the calling thread.
    public func waitBlocking(timeout: Duration) -> Int32 {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while ContinuousClock.now < deadline {
            if let status = reap(blocking: false) { return status }
            usleep(20_000)
        }
        send(SIGKILL)
        return reap(blocking: true) ?? -1
    }

    /// waitpid once; the stored status afterwards.
    private func reap(blocking: Bool) -> Int32? {
        reaped.withLock { stored in
            if let stored { return stored }
            var status: Int32 = 0
            var result: Int32
            repeat {
                result = waitpid(pid, &status, blocking ? 0 : WNOHANG)
            } while result < 0 && errno == EINTR
            guard result == pid else { return nil }
            // WIFEXITED / WEXITSTATUS / WTERMSIG are macros Swift cannot import.
            let signal = status & 0x7f
            stored = signal == 0 ? (status >> 8) & 0xff : 128 + signal
            return stored
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
            guard child.isRunning, ContinuousClock.now < deadline else {
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
