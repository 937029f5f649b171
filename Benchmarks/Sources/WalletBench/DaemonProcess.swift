import BenchSupport
import Foundation

/// A real release `aitbc-wallet-daemon` (ChainBench's `NodeProcess` pattern): its own keystore
/// directory and ledger under `directory`, `127.0.0.1` on a free port (`WALLET_PORT=0`, read
/// back from the "listening on" line), `LEDGER=offline` (no chain node in these benchmarks),
/// stdout and stderr to `daemon.log`. Stopped only through its own pid; every pid started is
/// also killed when WalletBench exits (a failed check or Ctrl-C must not leave daemons running).
final class DaemonProcess: Sendable {
    let directory: String
    let port: Int
    private let child: SpawnedProcess

    var pid: Int32 { child.pid }
    var base: String { "http://127.0.0.1:\(port)" }
    var logPath: String { child.logPath }

    private init(child: SpawnedProcess, directory: String, port: Int) {
        self.child = child
        self.directory = directory
        self.port = port
    }

    /// Spawns `binary --env-file /dev/null` with `settings` over the bench defaults and waits
    /// (≤ `timeout` seconds) for its listening line.
    static func start(binary: String, directory: String, settings: [String: String] = [:], timeout: Double = 30) async -> DaemonProcess {
        var environment: [String: String] = [
            "WALLET_BIND": "127.0.0.1", "WALLET_PORT": "0", "KEYSTORE_DIR": directory + "/keystore",
            "LEDGER_DB_PATH": directory + "/wallet_ledger.db", "LEDGER": "offline", "LOG_LEVEL": "info",
        ]
        environment.merge(settings) { $1 }
        let (child, port) = await SpawnedProcess.start(
            label: "the daemon", binary: binary, arguments: ["--env-file", "/dev/null"], environment: environment, directory: directory,
            logName: "daemon.log", timeout: timeout, ready: listeningPort)
        return DaemonProcess(child: child, directory: directory, port: port)
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

    var isRunning: Bool { child.isRunning }

    /// CPU seconds (user + system) so far.
    var cpuSeconds: Double? { Bench.cpuSeconds(pid: pid) }

    /// VmRSS now, KiB.
    var rssKiB: Int? { Bench.statusKiB(pid: pid, "VmRSS") }

    /// SIGTERM (the daemon drains and wipes its keys), then SIGKILL after `grace` seconds.
    func stop(grace: Double = 15) async { await child.stop(grace: grace) }
}
