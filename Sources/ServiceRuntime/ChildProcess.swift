import FoundationEssentials
import CLinuxShims
import Glibc
import Sockets
import Synchronization

/// A child process whose output goes to files (no pipe can fill up and stall it); waits
/// happen on a thread of their own, never on the cooperative pool. Used by the miner's host
/// probe and by tests that run real binaries.
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
        // Registered under the spawn lock: an orphan sweep never takes it for an orphan.
        self.pid = try SpawnRegistry.spawn { () throws(LaunchError) -> Int32 in
            var pid: Int32 = 0
            let result = argv.withUnsafeBufferPointer { argvBuffer in
                envp.withUnsafeBufferPointer { envpBuffer in
                    clinux_spawn(executable, argvBuffer.baseAddress, envpBuffer.baseAddress, directory, input, output, errors, &pid)
                }
            }
            guard result == 0 else { throw LaunchError(path: executable, errno: result) }
            return pid
        }
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

    /// Waits for exit up to `timeout` on a thread of its own (never the cooperative pool);
    /// SIGKILLs the child past it. The exit status (or 128 + signal).
    public func wait(timeout: Duration = .seconds(60)) async -> Int32 {
        await withCheckedContinuation { continuation in
            Self.offPool { [self] in continuation.resume(returning: waitBlocking(timeout: timeout)) }
        }
    }

    /// Waits (on a thread of its own) until standard output contains `text`; false when the
    /// child exits first or `timeout` passes.
    public func waitForOutput(containing text: String, timeout: Duration = .seconds(30)) async -> Bool {
        await withCheckedContinuation { continuation in
            Self.offPool { [self] in continuation.resume(returning: waitForOutputBlocking(containing: text, timeout: timeout)) }
        }
    }

    /// `waitForOutput(containing:timeout:)` on the calling thread.
    public func waitForOutputBlocking(containing text: String, timeout: Duration) -> Bool {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while ContinuousClock.now < deadline {
            if stdout.contains(text) { return true }
            if !isRunning { return stdout.contains(text) }
            usleep(10_000)
        }
        return false
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
            SpawnRegistry.forget(pid)
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

    /// Runs blocking `work` on a thread of its own; on this thread only when none can be created.
    private static func offPool(_ work: @escaping @Sendable () -> Void) {
        do { try DetachedThread.spawn(work) } catch { work() }
    }
}
