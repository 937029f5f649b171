import BenchSupport
import Foundation

/// A real `aitbc-chain-node` started by `net` and `netsync`: its own data directory, RPC and
/// P2P on free loopback ports (port 0, read back from the "listening" log line), stdout and
/// stderr to `node.log`. It is stopped only through its own pid; every pid started is also
/// killed when ChainBench exits (a failed check or Ctrl-C must not leave nodes running).
final class NodeProcess: Sendable {
    let name: String
    let directory: String
    let port: Int
    let p2pPort: Int
    private let child: SpawnedProcess

    var pid: Int32 { child.pid }
    var base: String { "http://127.0.0.1:\(port)" }
    var p2pAddress: String { "ws://127.0.0.1:\(p2pPort)/p2p" }
    var logPath: String { child.logPath }

    private init(name: String, child: SpawnedProcess, directory: String, ports: (rpc: Int, p2p: Int)) {
        self.name = name
        self.child = child
        self.directory = directory
        port = ports.rpc
        p2pPort = ports.p2p
    }

    /// Spawns `binary run` with `settings` on top of the bench defaults and waits (≤ `timeout`
    /// seconds) for its "listening" line. `bootstrap`: P2P addresses of its peers.
    static func start(
        binary: String, name: String, directory: String, genesis: String, keyPath: String?, bootstrap: [String] = [],
        settings: [String: String] = [:], timeout: Double = 60
    ) async -> NodeProcess {
        var environment: [String: String] = [
            "CHAIN_GENESIS": genesis, "DATA_DIR": directory, "RPC_BIND_HOST": "127.0.0.1", "RPC_BIND_PORT": "0", "P2P_ENABLED": "true",
            "P2P_BIND_HOST": "127.0.0.1", "P2P_BIND_PORT": "0", "BOOTSTRAP_PEERS": bootstrap.joined(separator: ","),
            // Submission limits and the mempool bound raised so that they do not pace the run
            // (as in scripts/bench-chain.sh); back-pressure that remains is reported.
            "SENDTX_RATE_PER_SECOND": "10000000", "SENDTX_BURST": "10000000", "MEMPOOL_MAX_TXS": "200000", "MEMPOOL_MAX_BYTES": "268435456",
            "LOG_LEVEL": "info",
        ]
        if let keyPath { environment["PROPOSER_KEY_FILE"] = keyPath }
        environment.merge(settings) { $1 }
        let (child, ports) = await SpawnedProcess.start(
            label: name, binary: binary, arguments: ["run", "--env-file", "/dev/null"], environment: environment, directory: directory,
            logName: "node.log", timeout: timeout, ready: listeningPorts)
        return NodeProcess(name: name, child: child, directory: directory, ports: ports)
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

    var isRunning: Bool { child.isRunning }

    /// CPU seconds (user + system) so far.
    var cpuSeconds: Double? { Bench.cpuSeconds(pid: pid) }

    /// SIGTERM (the node drains), then SIGKILL after `grace` seconds; waits for the exit.
    func stop(grace: Double = 10) async { await child.stop(grace: grace) }
}
