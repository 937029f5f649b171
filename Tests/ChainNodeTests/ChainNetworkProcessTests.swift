@testable import ChainNode
import Cryptography
import Foundation
import HTTP1
import HTTPClient
import JSON
import Ledger
import Logging
import ServiceRuntime
import Sockets
import TestSupport
import Testing
import WireModels

/// A real `aitbc-chain-node` with P2P on, started from files the way an operator does.
final class NetworkNodeProcess: @unchecked Sendable {
    let child: ChildProcess
    let port: Int
    let p2pPort: Int
    let directory: String

    /// Starts the binary; `p2pPort` 0 picks a free port (read from the "listening" line).
    init(
        binary: String, genesisPath: String, directory: String, keyPath: String?, p2pPort: Int = 0, bootstrap: [String] = [],
        settings: [String: String] = [:]
    ) async throws {
        self.directory = directory
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var environment = TestPaths.baseEnvironment()
        environment["CHAIN_GENESIS"] = genesisPath
        environment["DATA_DIR"] = directory
        if let keyPath { environment["PROPOSER_KEY_FILE"] = keyPath }
        environment["RPC_BIND_PORT"] = "0"
        environment["P2P_BIND_PORT"] = String(p2pPort)
        environment["BOOTSTRAP_PEERS"] = bootstrap.joined(separator: ",")
        environment["ADMIN_TOKEN"] = LiveChainNode.adminToken
        environment["SENDTX_RATE_PER_SECOND"] = "1000000"
        environment["SENDTX_BURST"] = "1000000"
        for (key, value) in settings { environment[key] = value }
        child = try ChildProcess(binary, ["run", "--env-file", "/dev/null"], environment: environment, directory: directory)
        (port, self.p2pPort) = try await child.awaitOutput { Self.ports(in: $0.stdout) }
    }

    deinit {
        if child.isRunning { child.send(SIGKILL) }
    }

    /// The RPC and P2P ports of the "listening" line.
    static func ports(in log: String) -> (Int, Int)? {
        guard let rpc = CoordinatorProcess.listeningPort(in: log) else { return nil }
        for line in log.split(separator: "\n") where line.contains(#""event":"listening""#) {
            guard let range = line.range(of: #""p2p_port":""#) else { continue }
            if let p2p = Int(line[range.upperBound...].prefix { $0.isNumber }) { return (rpc, p2p) }
        }
        return nil
    }

    var base: String { "http://127.0.0.1:\(port)" }
    var address: String { "ws://127.0.0.1:\(p2pPort)/p2p" }

    func kill() async {
        child.send(SIGKILL)
        _ = await child.wait(timeout: .seconds(10))
    }
}

/// Issue 14 with real processes: convergence, a transaction through a follower, a late joiner's
/// range sync surviving the loss of its peer, kill -9 of each node under load, and bad blocks
/// refused. Serialized and run apart from the parallel suites (scripts/test.sh), like
/// ChainCrashTests: they spawn several daemons on a small machine.
@Suite(.serialized) struct ChainNetworkProcessTests {
    let client = HTTPClient()

    static func json(_ response: HTTPClientResponse) throws -> JSONValue {
        try JSONParser(limits: .init(maxInputBytes: 64 << 20)).parse(response.body)
    }

    func head(_ node: NetworkNodeProcess) async -> UInt64 {
        guard let response = try? await client.get(node.base + "/rpc/head"), let body = try? Self.json(response) else { return 0 }
        return body["height"]?.integerValue?.uint64Value ?? 0
    }

    /// Every block hash from 1 through `end`, by `/rpc/blocks-range`.
    func hashes(_ node: NetworkNodeProcess, through end: UInt64) async throws -> [String] {
        var hashes: [String] = []
        var start: UInt64 = 1
        while start <= end {
            let body = try Self.json(try await client.get(node.base + "/rpc/blocks-range?start=\(start)&end=\(end)"))
            let blocks = body["blocks"]?.arrayValue ?? []
            guard !blocks.isEmpty else { break }
            hashes += blocks.compactMap { $0["hash"]?.stringValue }
            start += UInt64(blocks.count)
        }
        return hashes
    }

    /// A genesis file (block time `blockTime`), the authority's key file, and the fixture.
    static func files(blockTime: UInt64, accounts: [Ed25519.PrivateKey] = []) throws -> (ChainFixture, genesis: String, key: String) {
        var parameters = ChainParameters()
        parameters.blockTimeMilliseconds = blockTime
        let fixture = try ChainFixture(
            parameters: parameters, extraAccounts: accounts.map { GenesisDocument.Account(address: ChainFixture.address($0), balance: 1_000_000_000) },
            timestamp: UInt64(Date().timeIntervalSince1970) - 10)
        let genesisPath = fixture.directory.path("genesis.json")
        try Data(fixture.genesis.fileBytes).write(to: URL(fileURLWithPath: genesisPath))
        let keyPath = fixture.directory.path("authority.json")
        let keyJSON = #"{"private_key":"\#(Hex.encode([UInt8](repeating: 1, count: 32)))"}"#
        _ = FileManager.default.createFile(atPath: keyPath, contents: Data(keyJSON.utf8), attributes: [.posixPermissions: 0o600])
        return (fixture, genesisPath, keyPath)
    }

    static var binary: String? { TestPaths.product("aitbc-chain-node") }

    @Test(.enabled(if: binary != nil, "needs the built aitbc-chain-node"), .timeLimit(.minutes(1)))
    func threeNodesAgreeOnEveryBlockAndATransactionToAFollowerIsIncludedWithinThreeBlocks() async throws {
        let binary = try #require(Self.binary)
        let (fixture, genesis, key) = try Self.files(blockTime: 300)
        let authority = try await NetworkNodeProcess(binary: binary, genesisPath: genesis, directory: fixture.directory.path("a"), keyPath: key)
        let first = try await NetworkNodeProcess(
            binary: binary, genesisPath: genesis, directory: fixture.directory.path("b"), keyPath: nil, bootstrap: [authority.address])
        let second = try await NetworkNodeProcess(
            binary: binary, genesisPath: genesis, directory: fixture.directory.path("c"), keyPath: nil, bootstrap: ["127.0.0.1:\(first.p2pPort)"])
        let nodes = [authority, first, second]
        var heads: [UInt64] = []
        #expect(await eventuallyAsync {
            heads = await nodes.asyncMap { await head($0) }
            return heads.allSatisfy { $0 >= 5 }
        })
        let common = heads.min() ?? 0
        let reference = try await hashes(authority, through: common)
        #expect(reference.count == Int(common))
        for node in [first, second] { #expect(try await hashes(node, through: common) == reference) }

        let recipient = Address(publicKey: Ed25519.PrivateKey.generate().publicKey)
        let tx = try fixture.transfer(from: fixture.faucet, to: recipient, amount: 777, nonce: 1)
        let before = await head(first)
        let sent = try await client.post(second.base + "/rpc/sendTx", json: tx.json)
        #expect(sent.status.code == 200)
        var includedAt: UInt64?
        #expect(await eventuallyAsync {
            let body = try Self.json(try await client.get(authority.base + "/rpc/tx/\(try tx.transactionID().rawValue)"))
            includedAt = body["block_height"]?.integerValue?.uint64Value
            return includedAt != nil
        })
        // Within three block times of being sent: in one of the next three blocks.
        #expect((includedAt ?? .max) <= before + 3, "included at \(String(describing: includedAt)), head was \(before)")
        for node in nodes {
            #expect(await eventuallyAsync {
                let body = try Self.json(try await client.get(node.base + "/rpc/getBalance/\(recipient.rawValue)"))
                return body["balance"]?.integerValue?.uint64Value == 777
            })
        }
        for node in nodes { await node.kill() }
    }

    @Test(.enabled(if: binary != nil, "needs the built aitbc-chain-node"), .timeLimit(.minutes(1)))
    func aLateJoinerSyncsAThousandBlocksGoesOnFromAnotherPeerWhenItsPeerIsKilledThenFollowsGossip() async throws {
        let binary = try #require(Self.binary)
        let (fixture, genesis, key) = try Self.files(blockTime: 200)
        let authorityDirectory = fixture.directory.path("a")
        try FileManager.default.createDirectory(atPath: authorityDirectory, withIntermediateDirectories: true)
        // 1,200 blocks at past times, produced in this process (fast), with a transfer every 50.
        do {
            let chain = try await Chain.open(
                path: authorityDirectory + "/chain.db", genesis: fixture.genesis, proposerKey: fixture.authority, logger: Logger(label: "prebuild"))
            let start = fixture.genesis.genesisHeader.timeMilliseconds
            var nonce: UInt64 = 1
            for index in 1...1_200 {
                if index % 50 == 0 {
                    let to = Address(publicKey: Ed25519.PrivateKey.generate().publicKey)
                    _ = try await chain.submit(try fixture.transfer(from: fixture.faucet, to: to, amount: 1, nonce: nonce))
                    nonce += 1
                }
                _ = try await chain.produceBlock(timeMilliseconds: start + UInt64(index))
            }
        }
        let authority = try await NetworkNodeProcess(binary: binary, genesisPath: genesis, directory: authorityDirectory, keyPath: key)
        let mirror = try await NetworkNodeProcess(
            binary: binary, genesisPath: genesis, directory: fixture.directory.path("m"), keyPath: nil, bootstrap: [authority.address])
        #expect(await eventuallyAsync { await head(mirror) >= 1_200 })
        // The late joiner knows only the mirror, and fetches small batches one at a time.
        let late = try await NetworkNodeProcess(
            binary: binary, genesisPath: genesis, directory: fixture.directory.path("l"), keyPath: nil, bootstrap: [mirror.address],
            settings: ["SYNC_BATCH": "16", "SYNC_PARALLEL": "1"])
        #expect(await eventuallyAsync { await head(late) > 0 })
        let atKill = await head(late)
        let added = try await client.post(
            late.base + "/admin/peers/add", json: ["address": .string(authority.address)],
            headers: ["Authorization": "Bearer \(LiveChainNode.adminToken)"])
        #expect(added.status.code == 202)
        await mirror.kill()
        let target = await head(authority)
        #expect(atKill < 1_200, "the sync finished before its peer was killed (head \(atKill))")
        #expect(await eventuallyAsync { await head(late) >= target })
        // Then it follows gossip: new blocks keep arriving.
        let after = await head(authority)
        #expect(await eventuallyAsync { await head(late) >= after + 3 })
        let common = min(await head(late), await head(authority))
        #expect(try await hashes(late, through: common) == hashes(authority, through: common))
        #expect(await eventuallyAsync {
            let body = try Self.json(try await client.get(late.base + "/rpc/syncStatus"))
            return body["syncing"] == false && body["peers"] == 1
        })
        for node in [late, authority] { await node.kill() }
    }

    @Test(.enabled(if: binary != nil, "needs the built aitbc-chain-node"), .timeLimit(.minutes(1)))
    func killNineOfEachNodeInTurnUnderLoadLosesNothingAndLeavesOneChain() async throws {
        let binary = try #require(Self.binary)
        let senders = (0..<3).map { _ in Ed25519.PrivateKey.generate() }
        let (fixture, genesis, key) = try Self.files(blockTime: 200, accounts: senders)
        // Fixed P2P ports, so a restarted node is found where its peers dial it.
        let ports = try (0..<3).map { _ in try Self.freePort() }
        let addresses = ports.map { "ws://127.0.0.1:\($0)/p2p" }
        func start(_ index: Int) async throws -> NetworkNodeProcess {
            try await NetworkNodeProcess(
                binary: binary, genesisPath: genesis, directory: fixture.directory.path("n\(index)"), keyPath: index == 0 ? key : nil,
                p2pPort: ports[index], bootstrap: addresses.enumerated().filter { $0.offset != index }.map(\.element))
        }
        var nodes = [try await start(0), try await start(1), try await start(2)]
        var acknowledged: [String] = []
        var nonces: [UInt64] = [1, 1, 1]
        /// One batch of transfers from node `index`'s sender, sent to that node.
        func load(_ index: Int) async throws {
            var txs: [JSONValue] = []
            for offset in 0..<10 {
                let to = Address(publicKey: Ed25519.PrivateKey.generate().publicKey)
                txs.append(try fixture.transfer(from: senders[index], to: to, amount: 1, nonce: nonces[index] + UInt64(offset)).json)
            }
            guard let response = try? await client.post(nodes[index].base + "/rpc/sendTxs", json: ["txs": .array(txs)]),
                let body = try? Self.json(response)
            else { return }
            for result in body["results"]?.arrayValue ?? [] where result["status"] == "pending" {
                if let id = result["tx_hash"]?.stringValue {
                    acknowledged.append(id)
                    nonces[index] += 1
                }
            }
        }
        for victim in 0..<3 {
            for _ in 0..<5 {
                for index in 0..<3 { try await load(index) }
                try await Task.sleep(for: .milliseconds(40))
            }
            await nodes[victim].kill()
            for _ in 0..<5 {
                for index in 0..<3 where index != victim { try await load(index) }
                try await Task.sleep(for: .milliseconds(40))
            }
            nodes[victim] = try await start(victim)
            // The restarted node continues the sender's nonces from its own view.
            let account = try Self.json(try await client.get(nodes[victim].base + "/rpc/getBalance/\(ChainFixture.address(senders[victim]).rawValue)"))
            nonces[victim] = account["next_nonce"]?.integerValue?.uint64Value ?? nonces[victim]
        }
        #expect(acknowledged.count > 100)
        // Every acknowledged transaction ends up in a block on every node.
        for node in nodes {
            for id in acknowledged {
                let included = await eventuallyAsync {
                    let body = try Self.json(try await client.get(node.base + "/rpc/tx/\(id)"))
                    return body["status"] == "included"
                }
                #expect(included, "\(id) not included on \(node.address)")
                if !included { break }
            }
        }
        var heads: [UInt64] = []
        #expect(await eventuallyAsync {
            heads = await nodes.asyncMap { await head($0) }
            return Set(heads).count == 1
        })
        let common = heads.min() ?? 0
        let reference = try await hashes(nodes[0], through: common)
        for node in nodes.dropFirst() { #expect(try await hashes(node, through: common) == reference) }
        for node in nodes { await node.kill() }
    }

    @Test(.enabled(if: binary != nil, "needs the built aitbc-chain-node"), .timeLimit(.minutes(1)))
    func aFollowerRefusesAForgedBlockAndOneFromAnUnscheduledKeyAndBansTheirSender() async throws {
        let binary = try #require(Self.binary)
        let (fixture, genesis, key) = try Self.files(blockTime: 500)
        let authority = try await NetworkNodeProcess(binary: binary, genesisPath: genesis, directory: fixture.directory.path("a"), keyPath: key)
        let follower = try await NetworkNodeProcess(
            binary: binary, genesisPath: genesis, directory: fixture.directory.path("f"), keyPath: nil, bootstrap: [authority.address])
        #expect(await eventuallyAsync { await head(follower) >= 2 })
        for forgery in ["forged", "unscheduled"] {
            let height = await head(follower)
            let range = try Self.json(try await client.get(follower.base + "/rpc/blocks-range?start=\(height)&end=\(height)"))
            let parent = try FullBlock(json: try #require(range["blocks"]?.arrayValue?.first))
            let parentHeight = parent.height
            let parentHash = parent.hash
            let stateRoot = parent.stateRoot
            let time = parent.timeMilliseconds
            // An empty block on the follower's head: the roots an honest one would have.
            let signer = Ed25519.PrivateKey.generate()
            let proposer = forgery == "forged" ? fixture.authority.publicKey : signer.publicKey
            let header = BlockHeader(
                chainID: fixture.genesis.chainID, height: parentHeight + 1, parentHash: parentHash.bytes, timeMilliseconds: time + 1,
                proposerKey: proposer.rawRepresentation, txRoot: Merkle.root(leaves: []), stateRoot: stateRoot.bytes,
                receiptsRoot: Merkle.root(leaves: []))
            let block = StoredBlock(header: header, signature: header.sign(with: signer), txCount: 0, supply: 0).fullBlock(txs: [])
            let attacker = try await RawP2PPeer(address: follower.address)
            _ = try await attacker.handshake(fixture.genesis)
            try attacker.send(P2PMessage.block(block.json).json)
            #expect(await attacker.errorCode() == "banned", "\(forgery)")
            await attacker.close()
            // The follower's block at that height is the authority's.
            #expect(await eventuallyAsync { await head(follower) > parentHeight })
            let ours = try Self.json(try await client.get(follower.base + "/rpc/blocks/\(parentHeight + 1)"))
            let theirs = try Self.json(try await client.get(authority.base + "/rpc/blocks/\(parentHeight + 1)"))
            #expect(ours["hash"] == theirs["hash"])
            #expect(ours["hash"]?.stringValue != block.hash.rawValue)
        }
        let peers = try Self.json(try await client.get(follower.base + "/p2p/peers"))
        #expect(peers["peers"]?.arrayValue?.filter { $0["banned_until"]?.stringValue != nil }.count == 2)
        for node in [follower, authority] { await node.kill() }
    }

    /// A loopback port nothing listens on now.
    static func freePort() throws -> Int {
        let socket = try SocketDescriptor.listen(on: try SocketAddress(host: "127.0.0.1", port: 0))
        defer { socket.close() }
        return try socket.localAddress().port
    }
}
