import Foundation
import Synchronization

/// A daemon a bench started (ChainBench's nodes, WalletBench's wallet daemon): its own
/// directory, stdout and stderr to a log file there, ready once its log shows what `ready`
/// looks for. Stopped only through its own pid; every pid started (and every helper `track`ed)
/// is SIGKILLed when the bench exits — a failed check or Ctrl-C must not leave daemons running.
///
/// `@unchecked Sendable`: `Process` is a reference never mutated after `run()`; `isRunning`
/// may be read from any thread.
public final class SpawnedProcess: @unchecked Sendable {
    /// The child's pid.
    public let pid: Int32
    /// How notes name it ("node1", "the daemon").
    public let label: String
    /// Its log file.
    public let logPath: String
    private let process: Process

    private init(process: Process, label: String, logPath: String) {
        self.process = process
        pid = process.processIdentifier
        self.label = label
        self.logPath = logPath
    }

    /// Spawns `binary arguments` in `directory` with `environment` (plus PATH, HOME and TMPDIR of
    /// this process) and waits up to `timeout` seconds until `ready` finds its value in the log.
    public static func start<Ready>(
        label: String, binary: String, arguments: [String], environment: [String: String], directory: String, logName: String,
        timeout: Double, ready: (String) -> Ready?
    ) async -> (SpawnedProcess, Ready) {
        installCleanup()
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            Bench.fail("\(label): \(directory): \(error)")
        }
        var merged = ProcessInfo.processInfo.environment.filter { $0.key == "PATH" || $0.key == "HOME" || $0.key == "TMPDIR" }
        merged.merge(environment) { $1 }
        let logPath = directory + "/" + logName
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        process.environment = merged
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        guard let log = FileHandle(forWritingAtPath: logPath) else { Bench.fail("\(label): cannot write \(logPath)") }
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            Bench.fail("\(label): cannot start \(binary): \(error)")
        }
        track(process.processIdentifier)
        let deadline = Bench.now() + timeout
        while true {
            let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
            if let value = ready(text) { return (SpawnedProcess(process: process, label: label, logPath: logPath), value) }
            guard process.isRunning, Bench.now() < deadline else {
                Bench.fail("\(label) did not start (log \(logPath)):\n\(text.suffix(2_000))")
            }
            try? await Task.sleep(for: .milliseconds(10))
        }
    }

    /// Whether it still runs.
    public var isRunning: Bool { process.isRunning }

    /// SIGTERM (the daemon drains), then SIGKILL after `grace` seconds; waits for the exit.
    public func stop(grace: Double) async {
        if process.isRunning {
            kill(pid, SIGTERM)
            let deadline = Bench.now() + grace
            while process.isRunning, Bench.now() < deadline { try? await Task.sleep(for: .milliseconds(20)) }
            if process.isRunning {
                Bench.note("\(label) (pid \(pid)) did not stop in \(Int(grace)) s after SIGTERM: SIGKILL")
                kill(pid, SIGKILL)
                while process.isRunning { try? await Task.sleep(for: .milliseconds(20)) }
            }
        }
        Self.untrack(pid)
    }

    /// Pids started and not yet seen to exit.
    private static let running = Mutex<Set<Int32>>([])
    private static let cleanupInstalled = Mutex(false)
    /// Kept alive for the process's lifetime (a released source stops delivering). Written only
    /// by the one `installCleanup` call that `cleanupInstalled` lets through, never read.
    private nonisolated(unsafe) static var signalSources: [any DispatchSourceSignal] = []

    /// Records a helper process (a C baseline) so that exit kills it too.
    public static func track(_ pid: Int32) {
        installCleanup()
        running.withLock { _ = $0.insert(pid) }
    }

    /// Forgets a pid that has exited.
    public static func untrack(_ pid: Int32) { running.withLock { _ = $0.remove(pid) } }

    /// On exit (a `Bench.fail` included) and on SIGINT/SIGTERM: SIGKILL every pid still
    /// recorded — by pid, nothing else.
    private static func installCleanup() {
        let first = cleanupInstalled.withLock { installed in
            defer { installed = true }
            return !installed
        }
        guard first else { return }
        atexit { SpawnedProcess.killAll() }
        for signalNumber in [SIGINT, SIGTERM] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler {
                Bench.note("signal \(signalNumber); stopping the processes this bench started")
                exit(128 + signalNumber)
            }
            source.resume()
            signalSources.append(source)
        }
    }

    private static func killAll() {
        for pid in running.withLock({ $0 }) { kill(pid, SIGKILL) }
    }
}
