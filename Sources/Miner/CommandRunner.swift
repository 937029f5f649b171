import Foundation
import Glibc
import ServiceRuntime

/// Runs a short helper command (nvidia-smi) with a deadline and a cap on its output.
enum CommandRunner {
    /// Why a helper command produced no usable output.
    enum Failure: Error, Equatable, CustomStringConvertible {
        case launchFailed(String)
        case timedOut(Duration)
        case exitStatus(Int32)
        case outputTooLarge(Int)

        var description: String {
            switch self {
            case .launchFailed(let reason): "could not start: \(reason)"
            case .timedOut(let limit): "no answer within \(limit)"
            case .exitStatus(let status): "exited with status \(status)"
            case .outputTooLarge(let limit): "printed more than \(limit) bytes"
            }
        }
    }

    /// Output kept from a helper; nvidia-smi prints a few KiB even with 16 GPUs.
    static let outputLimit = 1 << 20

    /// Runs `executable` and returns its standard output when it exits 0 within `timeout`.
    /// A command past its deadline is killed with SIGKILL. Output goes to a private temporary
    /// file (no pipe to drain); waiting happens on a thread of its own.
    static func run(_ executable: String, arguments: [String], timeout: Duration) async -> Result<String, Failure> {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("aitbc-command-\(UUID().uuidString)").path
        do {
            try FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            return .failure(.launchFailed("temporary directory: \(error)"))
        }
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let child: ChildProcess
        do {
            child = try ChildProcess(executable, arguments, environment: ProcessInfo.processInfo.environment, directory: directory)
        } catch {
            return .failure(.launchFailed("\(error)"))
        }
        let started = ContinuousClock.now
        let status = await child.wait(timeout: timeout)
        if status == 128 + SIGKILL, ContinuousClock.now - started >= timeout { return .failure(.timedOut(timeout)) }
        var info = stat()
        guard stat(child.stdoutPath, &info) == 0, info.st_size <= outputLimit else { return .failure(.outputTooLarge(outputLimit)) }
        guard status == 0 else { return .failure(.exitStatus(status)) }
        return .success(child.stdout)
    }
}
