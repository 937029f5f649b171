import ChainNode
import Cryptography
import Foundation
import HTTP1
import HTTPClient
import JSON
import Ledger
import ServiceRuntime
import TestSupport
import Testing
import WireModels

/// A real `aitbc-chain-node` on a loopback port, started from files the way an operator does.
final class ChainNodeProcess: @unchecked Sendable {
    let child: ChildProcess
    let port: Int

    init(binary: String, genesisPath: String, databasePath: String, keyPath: String, directory: String) async throws {
        var environment = TestPaths.baseEnvironment()
        environment["CHAIN_GENESIS"] = genesisPath
        environment["DB_PATH"] = databasePath
        environment["DATA_DIR"] = directory
        environment["PROPOSER_KEY_FILE"] = keyPath
        environment["RPC_BIND_PORT"] = "0"
        environment["P2P_BIND_PORT"] = "0"
        environment["SENDTX_RATE_PER_SECOND"] = "1000000"
        environment["SENDTX_BURST"] = "1000000"
        child = try ChildProcess(binary, ["run", "--env-file", "/dev/null"], environment: environment, directory: directory)
        port = try await child.awaitOutput { CoordinatorProcess.listeningPort(in: $0.stdout) }
    }

    deinit {
        if child.isRunning { child.send(SIGKILL) }
    }

    var base: String { "http://127.0.0.1:\(port)" }
}

/// N10: kill -9 at any point leaves a consistent chain; acknowledged transactions are never lost.
@Suite(.serialized) struct ChainCrashTests {
    @Test func killNineDuringBlockCommitsLeavesAConsistentChainAndLosesNoAcknowledgedTransaction() async throws {
        guard let binary = TestPaths.product("aitbc-chain-node") else {
            Issue.record("aitbc-chain-node is not built")
            return
        }
        var parameters = ChainParameters()
        parameters.blockTimeMilliseconds = 100
        let fixture = try ChainFixture(parameters: parameters, timestamp: UInt64(Date().timeIntervalSince1970) - 10)
        let genesisPath = fixture.directory.path("genesis.json")
        try Data(fixture.genesis.fileBytes).write(to: URL(fileURLWithPath: genesisPath))
        let keyPath = fixture.directory.path("authority.json")
        let keyJSON = #"{"private_key":"\#(Hex.encode([UInt8](repeating: 1, count: 32)))"}"#
        _ = FileManager.default.createFile(atPath: keyPath, contents: Data(keyJSON.utf8), attributes: [.posixPermissions: 0o600])
        // A fresh chain starts at the wall clock: block 0's genesis time is in the past, blocks follow every 100 ms.
        let client = HTTPClient()
        defer { Task { await client.shutdown() } }
        var acknowledged: [String] = []
        var lastSeenHeight: Int64 = 0
        var generator = SeededGenerator(state: 0xC4A5_11)
        for round in 0..<6 {
            let node = try await ChainNodeProcess(
                binary: binary, genesisPath: genesisPath, databasePath: fixture.databasePath, keyPath: keyPath, directory: fixture.directory.url.path)
            // Nothing acknowledged before a kill is gone after it.
            let head = try JSONParser(limits: .init(maxInputBytes: 1 << 20)).parse(try await client.get(node.base + "/rpc/head").body)
            let height = head["height"]?.int64Value ?? -1
            #expect(height >= lastSeenHeight, "round \(round): head went back from \(lastSeenHeight) to \(height)")
            for id in acknowledged.suffix(300) {
                let status = try await client.get(node.base + "/rpc/tx/\(id)")
                #expect(status.status.code == 200, "round \(round): acknowledged \(id) is gone")
            }
            // Feed transfers while blocks commit, then kill at a random moment.
            let until = ContinuousClock.now.advanced(by: .milliseconds(Int64.random(in: 100...350, using: &generator)))
            while ContinuousClock.now < until {
                let account = try JSONParser(limits: .init(maxInputBytes: 1 << 20)).parse(
                    try await client.get(node.base + "/rpc/getBalance/\(ChainFixture.address(fixture.faucet).rawValue)").body)
                let next = UInt64(account["next_nonce"]?.int64Value ?? 1)
                var txs: [JSONValue] = []
                for offset in 0..<20 {
                    let to = Address(publicKey: Ed25519.PrivateKey.generate().publicKey)
                    txs.append(try fixture.transfer(from: fixture.faucet, to: to, amount: 1, nonce: next + UInt64(offset)).json)
                }
                let response = try await client.post(node.base + "/rpc/sendTxs", json: ["txs": .array(txs)])
                let body = try JSONParser(limits: .init(maxInputBytes: 1 << 20)).parse(response.body)
                for result in body["results"]?.arrayValue ?? [] where result["status"] == "pending" {
                    if let id = result["tx_hash"]?.stringValue { acknowledged.append(id) }
                }
                let seen = try JSONParser(limits: .init(maxInputBytes: 1 << 20)).parse(try await client.get(node.base + "/rpc/head").body)
                lastSeenHeight = max(lastSeenHeight, seen["height"]?.int64Value ?? 0)
                // A bounded feed (≈ 1,000 tx/s at most): every suite shares this machine's two cores.
                try await Task.sleep(for: .milliseconds(20))
            }
            node.child.send(SIGKILL)
            #expect(await node.child.wait(timeout: .seconds(10)) == 128 + SIGKILL)
        }
        #expect(acknowledged.count > 40)
        // The whole chain re-executes from genesis: contiguous heights, valid signatures, every root.
        var environment = TestPaths.baseEnvironment()
        environment["CHAIN_GENESIS"] = genesisPath
        environment["DB_PATH"] = fixture.databasePath
        let verify = try ChildProcess(binary, ["verify", "--env-file", "/dev/null"], environment: environment, directory: fixture.directory.url.path)
        #expect(await verify.wait(timeout: .seconds(60)) == 0, "\(verify.stdout)\(verify.stderr)")
        #expect(verify.stdout.contains("verified"))
    }
}
