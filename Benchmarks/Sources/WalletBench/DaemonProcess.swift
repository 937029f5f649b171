import BenchSupport
import Foundation
import Synchronization

/// A real release `aitbc-wallet-daemon` (ChainBench's `NodeProcess` pattern): its own keystore
/// directory and ledger under `directory`, `127.0.0.1` on a free port (`WALLET_PORT=0`, read
/// back from the "listening on" line), `LEDGER=offline` (no chain node in these benchmarks),
/// stdout and stderr to `daemon.log`. Stopped only through its own pid; every pid started is
/// also killed when WalletBench exits (a failed check or Ctrl-C must not leave daemons running).
final class DaemonProcess: Sendable {
    let pid: Int32
    let directory: String
    let port: Int
    private let process: UnsafeSendableBox<Process>

    var base: String { "http://127.0.0.1:\(port)" }
    var logPath: String { directory + "/daemon.log" }

    private static let running = Mutex<Set<Int32>>([])
    private static let cleanupInstalled = Mutex(false)
    private static let signalSources = UnsafeSendableBox<[any DispatchSourceSignal]>([])

    private init(process: Process, directory: String, port: Int) {
        self.process = UnsafeSendableBox(process)
        pid = process.processIdentifier
        self.directory = directory
        self.port = port
    }

    /// Spawns `binary --env-file /dev/null` with `settings` over the bench defaults and waits
    /// (≤ `timeout` seconds) for its listening line.
    static func start(binary: String, directory: String, settings: [String: String] = [:], timeout: Double = 30) async -> DaemonProcess {
        installCleanup()
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            Bench.fail("daemon directory \(directory): \(error)")
        }
        var environment = ProcessInfo.processInfo.environment.filter { $0.key == "PATH" || $0.key == "HOME" || $0.key == "TMPDIR" }
        let defaults: [String: String] = [
            "WALLET_BIND": "127.0.0.1", "WALLET_PORT": "0", "KEYSTORE_DIR": directory + "/keystore",
            "LEDGER_DB_PATH": directory + "/wallet_ledger.db", "LEDGER": "offline", "LOG_LEVEL": "info",
        ]
        environment.merge(defaults) { $1 }
        environment.merge(settings) { $1 }
        let logPath = directory + "/daemon.log"
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["--env-file", "/dev/null"]
        process.environment = environment
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        guard let log = FileHandle(forWritingAtPath: logPath) else { Bench.fail("cannot write \(logPath)") }
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            Bench.fail("cannot start \(binary): \(error)")
        }
        running.withLock { _ = $0.insert(process.processIdentifier) }
        let deadline = Bench.now() + timeout
        while true {
            let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
            if let port = listeningPort(in: text) { return DaemonProcess(process: process, directory: directory, port: port) }
            guard process.isRunning, Bench.now() < deadline else {
                Bench.fail("the daemon did not start (log \(logPath)):\n\(text.suffix(2_000))")
            }
            try? await Task.sleep(for: .milliseconds(10))
        }
    }

    /// The port of `aitbc-wallet-daemon: listening on http://127.0.0.1:PORT (…)`.
    static func listeningPort(in log: String) -> Int? {
        let marker = "listening on http://127.0.0.1:"
        for line in log.split(separator: "\n") {
            guard let range = line.range(of: marker), let port = Int(line[range.upperBound...].prefix { $0.isNumber }) else { continue }
            return port
        }
        return nil
    }

    var isRunning: Bool { process.value.isRunning }

    /// CPU seconds (user + system) so far.
    var cpuSeconds: Double? { Bench.cpuSeconds(pid: pid) }

    /// VmRSS now, KiB.
    var rssKiB: Int? { Bench.statusKiB(pid: pid, "VmRSS") }

    /// SIGTERM (the daemon drains and wipes its keys), then SIGKILL after `grace` seconds.
    func stop(grace: Double = 15) async {
        guard process.value.isRunning else {
            Self.running.withLock { _ = $0.remove(pid) }
            return
        }
        kill(pid, SIGTERM)
        let deadline = Bench.now() + grace
        while process.value.isRunning, Bench.now() < deadline { try? await Task.sleep(for: .milliseconds(20)) }
        if process.value.isRunning {
            Bench.note("the daemon (pid \(pid)) did not stop in \(Int(grace)) s after SIGTERM: SIGKILL")
            kill(pid, SIGKILL)
            while process.value.isRunning { try? await Task.sleep(for: .milliseconds(20)) }
        }
        Self.running.withLock { _ = $0.remove(pid) }
    }

    /// On exit and on SIGINT/SIGTERM: SIGKILL every daemon this process started that still runs.
    static func installCleanup() {
        let first = cleanupInstalled.withLock { installed in
            defer { installed = true }
            return !installed
        }
        guard first else { return }
        atexit { DaemonProcess.killAll() }
        for signalNumber in [SIGINT, SIGTERM] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler {
                Bench.note("WalletBench: signal \(signalNumber); stopping the daemons and baselines it started")
                exit(128 + signalNumber)
            }
            source.resume()
            signalSources.with { $0.append(source) }
        }
    }

    /// Records a helper process (the C baseline) so that exit kills it too.
    static func track(_ pid: Int32) {
        installCleanup()
        running.withLock { _ = $0.insert(pid) }
    }

    static func untrack(_ pid: Int32) { running.withLock { _ = $0.remove(pid) } }

    static func killAll() {
        for pid in running.withLock({ $0 }) { kill(pid, SIGKILL) }
    }
}
