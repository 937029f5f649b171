import BenchSupport
import Foundation
import Synchronization

/// A real `aitbc-chain-node` started by `net` and `netsync`: its own data directory, RPC and
/// P2P on free loopback ports (port 0, read back from the "listening" log line), stdout and
/// stderr to `node.log`. It is stopped only through its own pid; every pid started is also
/// killed when ChainBench exits (a failed check or Ctrl-C must not leave nodes running).
final class NodeProcess: Sendable {
    let name: String
    let pid: Int32
    let directory: String
    let port: Int
    let p2pPort: Int
    private let process: UnsafeSendableBox<Process>

    var base: String { "http://127.0.0.1:\(port)" }
    var p2pAddress: String { "ws://127.0.0.1:\(p2pPort)/p2p" }
    var logPath: String { directory + "/node.log" }

    /// Pids started and not yet seen to exit.
    private static let running = Mutex<Set<Int32>>([])
    private static let cleanupInstalled = Mutex(false)

    private init(name: String, process: Process, directory: String, port: Int, p2pPort: Int) {
        self.name = name
        self.process = UnsafeSendableBox(process)
        pid = process.processIdentifier
        self.directory = directory
        self.port = port
        self.p2pPort = p2pPort
    }

    /// Spawns `binary run` with `settings` on top of the bench defaults and waits (≤ `timeout`
    /// seconds) for its "listening" line. `bootstrap`: P2P addresses of its peers.
    static func start(
        binary: String, name: String, directory: String, genesis: String, keyPath: String?, bootstrap: [String] = [],
        settings: [String: String] = [:], timeout: Double = 60
    ) async -> NodeProcess {
        installCleanup()
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            Bench.fail("\(name): \(error)")
        }
        var environment = ProcessInfo.processInfo.environment.filter { $0.key == "PATH" || $0.key == "HOME" || $0.key == "TMPDIR" }
        let defaults: [String: String] = [
            "CHAIN_GENESIS": genesis, "DATA_DIR": directory, "RPC_BIND_HOST": "127.0.0.1", "RPC_BIND_PORT": "0", "P2P_ENABLED": "true",
            "P2P_BIND_HOST": "127.0.0.1", "P2P_BIND_PORT": "0", "BOOTSTRAP_PEERS": bootstrap.joined(separator: ","),
            // Submission limits and the mempool bound raised so that they do not pace the run
            // (as in scripts/bench-chain.sh); back-pressure that remains is reported.
            "SENDTX_RATE_PER_SECOND": "10000000", "SENDTX_BURST": "10000000", "MEMPOOL_MAX_TXS": "200000", "MEMPOOL_MAX_BYTES": "268435456",
            "LOG_LEVEL": "info",
        ]
        environment.merge(defaults) { $1 }
        if let keyPath { environment["PROPOSER_KEY_FILE"] = keyPath }
        environment.merge(settings) { $1 }
        let logPath = directory + "/node.log"
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["run", "--env-file", "/dev/null"]
        process.environment = environment
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        guard let log = FileHandle(forWritingAtPath: logPath) else { Bench.fail("\(name): cannot write \(logPath)") }
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            Bench.fail("\(name): cannot start \(binary): \(error)")
        }
        running.withLock { _ = $0.insert(process.processIdentifier) }
        let deadline = Bench.now() + timeout
        while true {
            let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
            if let ports = listeningPorts(in: text) {
                return NodeProcess(name: name, process: process, directory: directory, port: ports.rpc, p2pPort: ports.p2p)
            }
            guard process.isRunning, Bench.now() < deadline else {
                Bench.fail("\(name) did not start (log \(logPath)):\n\(text.suffix(2_000))")
            }
            try? await Task.sleep(for: .milliseconds(10))
        }
    }

    /// The RPC and P2P ports of the "listening" line (a JSON log line).
    static func listeningPorts(in log: String) -> (rpc: Int, p2p: Int)? {
        for line in log.split(separator: "\n") where line.contains(#""event":"listening""#) {
            guard let rpc = line.range(of: #""port":""#), let p2p = line.range(of: #""p2p_port":""#),
                let rpcPort = Int(line[rpc.upperBound...].prefix { $0.isNumber }), let p2pPort = Int(line[p2p.upperBound...].prefix { $0.isNumber })
            else { continue }
            return (rpcPort, p2pPort)
        }
        return nil
    }

    var isRunning: Bool { process.value.isRunning }

    /// CPU seconds (user + system) so far.
    var cpuSeconds: Double? { Bench.cpuSeconds(pid: pid) }

    /// SIGTERM (the node drains), then SIGKILL after `grace` seconds; waits for the exit.
    func stop(grace: Double = 10) async {
        guard process.value.isRunning else {
            Self.running.withLock { _ = $0.remove(pid) }
            return
        }
        kill(pid, SIGTERM)
        let deadline = Bench.now() + grace
        while process.value.isRunning, Bench.now() < deadline { try? await Task.sleep(for: .milliseconds(20)) }
        if process.value.isRunning {
            Bench.note("\(name) (pid \(pid)) did not stop in \(Int(grace)) s after SIGTERM: SIGKILL")
            kill(pid, SIGKILL)
            while process.value.isRunning { try? await Task.sleep(for: .milliseconds(20)) }
        }
        Self.running.withLock { _ = $0.remove(pid) }
    }

    /// On exit (a `Bench.fail` included) and on SIGINT/SIGTERM: SIGKILL every node this process
    /// started and that is still running — by pid, nothing else.
    private static func installCleanup() {
        let first = cleanupInstalled.withLock { installed in
            defer { installed = true }
            return !installed
        }
        guard first else { return }
        atexit { NodeProcess.killAll() }
        for signalNumber in [SIGINT, SIGTERM] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler {
                Bench.note("ChainBench: signal \(signalNumber); stopping the nodes it started")
                exit(128 + signalNumber)
            }
            source.resume()
            signalSources.lock.lock()
            signalSources.value.append(source)
            signalSources.lock.unlock()
        }
    }

    /// Kept alive for the process's lifetime (a released source stops delivering).
    private static let signalSources = UnsafeSendableBox<[any DispatchSourceSignal]>([])

    static func killAll() {
        for pid in running.withLock({ $0 }) { kill(pid, SIGKILL) }
    }
}
