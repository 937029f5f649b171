@testable import ChainNode
import Cryptography
import Foundation
import HTTPClient
import JSON
import Ledger
import ServiceRuntime
import TestSupport
import Testing
import WireModels

/// Issue 14 "N authorities" with real processes: three authorities rotate by height, a block
/// signed by an authority outside its slot is refused, and with one authority killed the other
/// two take its slots after the timeout, agree on every block, and the restarted one catches up.
extension ChainNetworkProcessTests {
    /// The proposer address of block `height` on `node`.
    func proposer(_ node: NetworkNodeProcess, _ height: UInt64) async throws -> String {
        try Self.json(try await client.get(node.base + "/rpc/blocks/\(height)"))["proposer"]?.stringValue ?? ""
    }

    /// A counter's value on `/metrics` (unlabelled, or the sum over its labelled lines matching `label`).
    func metric(_ node: NetworkNodeProcess, _ name: String, label: String = "") async throws -> Double {
        let text = String(decoding: try await client.get(node.base + "/metrics").body, as: UTF8.self)
        return text.split(separator: "\n").filter { line in
            !line.hasPrefix("#") && (line.hasPrefix(name + " ") || (line.hasPrefix(name + "{") && line.contains(label)))
        }.compactMap { Double($0.split(separator: " ").last ?? "") }.reduce(0, +)
    }

    /// Whether every node eventually holds the same hashes through the lowest head among them,
    /// naming the forks it saw when they never agree.
    func agree(_ nodes: [NetworkNodeProcess]) async -> Bool {
        var last: [[String]] = []
        let agreed = await eventuallyAsync {
            let common = await nodes.asyncMap { await head($0) }.min() ?? 0
            last = try await nodes.asyncMap { try await hashes($0, through: common) }
            return Set(last).count == 1
        }
        if !agreed {
            for (index, node) in nodes.enumerated() {
                let lines = node.child.stdout.split(separator: "\n").filter { line in
                    ["ban", "reject", "diverg", "reorgan", "fork", "equivoc", "does not extend"].contains { line.contains($0) }
                }
                let text = lines.suffix(30).joined(separator: "\n")
                Issue.record("node \(index) (\(last.count > index ? last[index].suffix(3).joined(separator: ",") : "")):\n\(text)")
            }
        }
        return agreed
    }

    @Test(.enabled(if: binary != nil, "needs the built aitbc-chain-node"), .timeLimit(.minutes(2)))
    func threeAuthoritiesRotateRefuseAWrongSlotBlockAndSurviveOneKilled() async throws {
        let binary = try #require(Self.binary)
        let seeds: [UInt8] = [1, 4, 5]
        let keys = try seeds.map { try Ed25519.PrivateKey(seedBytes: [UInt8](repeating: $0, count: 32)) }
        var parameters = ChainParameters()
        parameters.blockTimeMilliseconds = 300  // slot_timeout_ms: 2 × block time
        let fixture = try ChainFixture(
            parameters: parameters, timestamp: UInt64(Date().timeIntervalSince1970) - 10, extraAuthorities: Array(keys.dropFirst()))
        let genesis = fixture.directory.path("genesis.json")
        try Data(fixture.genesis.fileBytes).write(to: URL(fileURLWithPath: genesis))
        let keyPaths = seeds.map { seed -> String in
            let path = fixture.directory.path("authority-\(seed).json")
            let json = #"{"private_key":"\#(Hex.encode([UInt8](repeating: seed, count: 32)))"}"#
            _ = FileManager.default.createFile(atPath: path, contents: Data(json.utf8), attributes: [.posixPermissions: 0o600])
            return path
        }
        let addresses = keys.map { Address(publicKey: $0.publicKey).rawValue }
        func start(_ index: Int, bootstrap: [String]) async throws -> NetworkNodeProcess {
            try await NetworkNodeProcess(
                binary: binary, genesisPath: genesis, directory: fixture.directory.path("node-\(index)"), keyPath: keyPaths[index],
                bootstrap: bootstrap)
        }
        let a = try await start(0, bootstrap: [])
        let b = try await start(1, bootstrap: [a.address])
        var c = try await start(2, bootstrap: [a.address, b.address])

        // Rotation: with all three up, each proposes. Forks where a slot was handed over while
        // its block was still on the way are resolved by fork choice: agreement is awaited.
        #expect(await eventuallyAsync { await [a, b, c].asyncMap { await head($0) }.allSatisfy { $0 >= 9 } })
        #expect(await agree([a, b, c]))
        var proposers: Set<String> = []
        for height in 1...9 as ClosedRange<UInt64> { proposers.insert(try await proposer(a, height)) }
        #expect(proposers == Set(addresses), "proposers of blocks 1…9: \(proposers)")

        // A block on b's head signed by an authority that is not the one scheduled for its slot.
        let top = await head(b)
        let range = try Self.json(try await client.get(b.base + "/rpc/blocks-range?start=\(top)&end=\(top)"))
        let parent = try FullBlock(json: try #require(range["blocks"]?.arrayValue?.first))
        let scheduled = fixture.genesis.scheduledAuthority(height: parent.height + 1, offset: 0).publicKey
        let wrong = try #require(keys.first { $0.publicKey != scheduled })
        let header = BlockHeader(
            chainID: fixture.genesis.chainID, height: parent.height + 1, parentHash: parent.hash.bytes, timeMilliseconds: parent.timeMilliseconds + 1,
            proposerKey: wrong.publicKey.rawRepresentation, txRoot: Merkle.root(leaves: []), stateRoot: parent.stateRoot.bytes,
            receiptsRoot: Merkle.root(leaves: []))
        let forged = StoredBlock(header: header, signature: header.sign(with: wrong), txCount: 0, supply: 0).fullBlock(txs: [])
        let attacker = try await RawP2PPeer(address: b.address)
        _ = try await attacker.handshake(fixture.genesis)
        try attacker.send(P2PMessage.block(forged.json).json)
        #expect(await attacker.errorCode() == "banned")
        await attacker.close()
        #expect(try await metric(b, "blocks_rejected_total", label: #"reason="not_scheduled""#) >= 1)

        // One authority killed: the other two take its slots at offset 1 and keep agreeing.
        await c.kill()
        let stopped = max(await head(a), await head(b))
        #expect(await eventuallyAsync { await [a, b].asyncMap { await head($0) }.allSatisfy { $0 >= stopped + 9 } })
        // A block c made just before it died may still arrive; from two blocks on, none is c's.
        for height in (stopped + 3)...(stopped + 9) { #expect(try await proposer(a, height) != addresses[2], "block \(height)") }
        #expect(try await metric(a, "chain_missed_slots_total") >= 1)
        #expect(await agree([a, b]))

        // Restarted, it catches up and proposes again.
        c = try await start(2, bootstrap: [a.address, b.address])
        let resumed = await head(a)
        #expect(await eventuallyAsync { await head(c) >= resumed })
        #expect(await eventuallyAsync {
            let top = await head(a)
            guard top > resumed else { return false }
            for height in (resumed + 1)...top where try await proposer(a, height) == addresses[2] { return true }
            return false
        }, "the restarted authority proposes again")
        #expect(await agree([a, b, c]))
        for node in [a, b, c] { await node.kill() }
    }
}
