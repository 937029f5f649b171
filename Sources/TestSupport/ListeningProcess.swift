import Foundation
import Glibc
public import ServiceRuntime

/// A real service binary (`aitbc-chain-node`, `aitbc-wallet-daemon`, …) on a free loopback
/// port, read from the `listening` line it writes; killed if a test forgets it (or throws
/// before stopping it).
public final class ListeningProcess: Sendable {
    /// The running binary.
    public let child: ChildProcess
    /// The port it listens on.
    public let port: Int

    /// Starts `binary` with `settings` as environment variables (over
    /// `TestPaths.baseEnvironment()`) and waits until it announces its port.
    /// - Throws: `ProcessFailure.didNotStart` with its output when it exits or takes over 30 s.
    public init(binary: String, arguments: [String], settings: [String: String], directory: String) async throws {
        var environment = TestPaths.baseEnvironment()
        for (name, value) in settings { environment[name] = value }
        child = try ChildProcess(binary, arguments, environment: environment, directory: directory)
        port = try await child.awaitOutput { Self.announcedPort(stdout: $0.stdout, stderr: $0.stderr) }
    }

    /// A process a test forgot (or could not reach, after a throw) does not outlive it: an
    /// orphaned coordinator once kept running for an hour after an interrupted run.
    deinit {
        if child.isRunning { child.send(SIGKILL) }
    }

    /// `http://127.0.0.1:<port>`.
    public var url: String { "http://127.0.0.1:\(port)" }

    /// SIGTERM (drain) and wait; the exit status.
    @discardableResult
    public func stop(timeout: Duration = .seconds(30)) async -> Int32 {
        child.send(SIGTERM)
        return await child.wait(timeout: timeout)
    }

    /// The port of a JSON `"event":"listening"` line on stdout, else of a
    /// `listening on http://127.0.0.1:PORT` line on stderr (the text log format).
    public static func announcedPort(stdout: String, stderr: String) -> Int? {
        if let port = CoordinatorProcess.listeningPort(in: stdout) { return port }
        guard let range = stderr.range(of: "listening on http://127.0.0.1:") else { return nil }
        return Int(stderr[range.upperBound...].prefix { $0.isNumber })
    }
}

extension ChildProcess {
    /// Reads the child's output every 20 ms until `found` finds what it waits for (a port); the
    /// child is killed when it exits, the time runs out or the task is cancelled first.
    /// - Throws: `ProcessFailure.didNotStart` with its output, or `CancellationError`.
    public func awaitOutput<T>(timeout: Duration = .seconds(30), _ found: (ChildProcess) -> T?) async throws -> T {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while true {
            if let value = found(self) { return value }
            guard isRunning, ContinuousClock.now < deadline else {
                send(SIGKILL)
                throw ProcessFailure.didNotStart(stdout + stderr)
            }
            do {
                try await Task.sleep(for: .milliseconds(20))
            } catch {
                send(SIGKILL)
                throw error
            }
        }
    }
}
