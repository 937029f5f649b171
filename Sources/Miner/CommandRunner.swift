import Dispatch
import Foundation
import Synchronization
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
    /// A command past its deadline is killed with SIGKILL.
    static func run(_ executable: String, arguments: [String], timeout: Duration) async -> Result<String, Failure> {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let stdout = Pipe()
        process.standardOutput = stdout
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice

        let exited = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in exited.signal() }
        do {
            try ProcessLaunch.run(process)
        } catch {
            return .failure(.launchFailed("\(error)"))
        }
        // Pipe reads and the wait block, so they run on threads of their own: never the
        // cooperative pool, nor Dispatch's global queues, whose threads the pool shares on Linux.
        return await withCheckedContinuation { continuation in
            Thread {
                let reader = stdout.fileHandleForReading
                let collected = Mutex(Data())
                let readDone = DispatchSemaphore(value: 0)
                Thread {
                    while let chunk = try? reader.read(upToCount: 64 * 1024), !chunk.isEmpty {
                        let size = collected.withLock { data -> Int in
                            if data.count <= outputLimit { data.append(chunk) }
                            return data.count
                        }
                        if size > outputLimit { break }
                    }
                    readDone.signal()
                }.start()
                let (seconds, attoseconds) = timeout.components
                let deadline = DispatchTime.now() + .nanoseconds(Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000))
                if exited.wait(timeout: deadline) == .timedOut {
                    kill(process.processIdentifier, SIGKILL)
                    exited.wait()
                    try? reader.close()
                    continuation.resume(returning: .failure(.timedOut(timeout)))
                    return
                }
                readDone.wait()
                let data = collected.withLock { $0 }
                if data.count > outputLimit {
                    continuation.resume(returning: .failure(.outputTooLarge(outputLimit)))
                } else if process.terminationStatus != 0 {
                    continuation.resume(returning: .failure(.exitStatus(process.terminationStatus)))
                } else {
                    continuation.resume(returning: .success(String(decoding: data, as: UTF8.self)))
                }
            }.start()
        }
    }
}
