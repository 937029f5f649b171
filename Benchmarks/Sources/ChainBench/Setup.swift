import BenchSupport
import ChainNode
import Cryptography
import Foundation
import Ledger
import Logging
import SQLite
import WireModels

/// `setup`: the genesis file and authority key a node is started with, and optionally a
/// database holding `fillers` extra accounts (the 1M-account state of issue 13 target 3).
enum Setup {
    /// Balance of every sender: far more than a run spends.
    static let senderBalance: UInt64 = 1_000_000_000_000

    /// A bench genesis: `senders` funded accounts; `max_block_bytes` 16 MiB so that a block of
    /// 20,000 transfers (≈ 400 bytes each) is bound by `max_block_txs`, not bytes.
    static func genesis(senders: Int, blockMilliseconds: UInt64, maxBlockTransactions: Int, timestamp: UInt64) -> GenesisDocument {
        var parameters = ChainParameters()
        parameters.blockTimeMilliseconds = blockMilliseconds
        parameters.maxBlockTransactions = maxBlockTransactions
        parameters.maxBlockBytes = 16 << 20
        let keys = BenchKeys.senders(senders)
        let authority = BenchKeys.authority()
        let document = GenesisDocument(
            chainID: "ait-bench", timestamp: timestamp, authorities: [GenesisDocument.Authority(publicKey: authority.publicKey)],
            accounts: keys.map { GenesisDocument.Account(address: Address(publicKey: $0.publicKey), balance: senderBalance) },
            parameters: parameters, coordinatorKeys: [])
        do {
            try document.validate()
        } catch {
            Bench.fail("genesis: \(error)")
        }
        return document
    }

    /// Writes `dir/genesis.json`, `dir/authority.json` (0600) and, with `fillers` > 0, `dir/chain.db`.
    static func run(_ options: Options) async {
        let directory = options.required("dir")
        let senders = options.int("senders", default: 2_000)
        let fillers = options.int("fillers", default: 0)
        let blockMilliseconds = UInt64(options.int("block-ms", default: 1_000))
        let maxBlockTransactions = options.int("max-block-txs", default: 20_000)
        // Ten seconds ago: the first block is due at once and the next ones every block_time_ms.
        let timestamp = UInt64(Bench.unixMilliseconds() / 1_000 - 10)
        let document = genesis(senders: senders, blockMilliseconds: blockMilliseconds, maxBlockTransactions: maxBlockTransactions, timestamp: timestamp)
        writeFiles(directory: directory, document: document)
        print("genesis \(directory)/genesis.json: \(senders) funded senders, block_time_ms \(blockMilliseconds), max_block_txs \(maxBlockTransactions)")
        if fillers > 0 {
            let built = await buildDatabase(path: directory + "/chain.db", genesis: document, fillers: fillers)
            print("database \(directory)/chain.db: \(built.accounts) accounts, built in \(Stats.format(built.seconds)) s (rows \(Stats.format(built.rowSeconds)) s, state tree \(Stats.format(built.treeSeconds)) s)")
        }
    }

    /// `directory/genesis.json` and the authority's key file `directory/authority.json` (0600).
    static func writeFiles(directory: String, document: GenesisDocument) {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try Data(document.fileBytes).write(to: URL(fileURLWithPath: directory + "/genesis.json"))
            let key = BenchKeys.authority()
            let keyJSON = #"{"address":"\#(Address(publicKey: key.publicKey).rawValue)","private_key":"\#(Hex.encode(BenchKeys.seed("chainbench-authority")))","public_key":"\#(key.publicKey.hex)"}"# + "\n"
            let keyPath = directory + "/authority.json"
            _ = FileManager.default.createFile(atPath: keyPath, contents: Data(keyJSON.utf8), attributes: [.posixPermissions: 0o600])
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: keyPath)
        } catch {
            Bench.fail("setup: \(error)")
        }
    }

    struct Built {
        var accounts: Int
        var seconds: Double
        var rowSeconds: Double
        var treeSeconds: Double
    }

    /// A database for `genesis` plus `fillers` accounts, made quickly: the store creates block 0
    /// and the genesis accounts; the filler rows are inserted directly and block 1, signed by
    /// the authority, carries the state root over all of them (no transactions). The node
    /// starts on it (the head's state root matches the account table); `aitbc-chain-node
    /// verify` would refuse block 1, which re-execution cannot reproduce — a benchmark fixture,
    /// not a chain.
    static func buildDatabase(path: String, genesis: GenesisDocument, fillers: Int) async -> Built {
        let started = Bench.now()
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        let addresses = parallelMap(0..<fillers) { BenchKeys.fillerAddress($0) }
        let fillerAccounts = addresses.enumerated().map { AccountState(address: $1, balance: BenchKeys.fillerBalance($0)) }
        let treeStarted = Bench.now()
        var tree = StateTree(accounts: genesis.accounts.map { AccountState(address: $0.address, balance: $0.balance, nonce: $0.nonce) } + fillerAccounts)
        let stateRoot = tree.root
        let treeSeconds = Bench.now() - treeStarted
        let authority = BenchKeys.authority()
        let parent = genesis.genesisHeader
        let header = BlockHeader(
            chainID: genesis.chainID, height: 1, parentHash: parent.hash, timeMilliseconds: parent.timeMilliseconds + 1_000,
            proposerKey: authority.publicKey.rawRepresentation, txRoot: Merkle.emptyRoot, stateRoot: stateRoot, receiptsRoot: Merkle.emptyRoot)
        let signature = header.sign(with: authority)
        let supply = genesis.supply + fillerAccounts.reduce(0) { $0 + $1.balance }
        let rowsStarted = Bench.now()
        do {
            let store = try await ChainStore.open(path: path, genesis: genesis)
            try await store.database.write { connection in
                try connection.execute(
                    """
                    INSERT INTO block(height, hash, parent_hash, time_ms, proposer_key, tx_count, tx_root, state_root, receipts_root, signature, supply)
                    VALUES (1, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?)
                    """,
                    [
                        Hash32(bytes: header.hash).rawValue, Hash32(bytes: header.parentHash).rawValue, Int64(header.timeMilliseconds),
                        Hex.encode(header.proposerKey), Hash32(bytes: header.txRoot).rawValue, Hash32(bytes: header.stateRoot).rawValue,
                        Hash32(bytes: header.receiptsRoot).rawValue, Hex.encode(signature), Int64(supply),
                    ])
                let insert = try connection.cachedStatement("INSERT INTO account(address, balance, nonce, updated_height) VALUES (?, ?, 0, 1)")
                for account in fillerAccounts { try insert.execute([account.address.rawValue, Int64(account.balance)]) }
            }
            _ = try await store.database.writeWithoutTransaction { connection in try connection.execute("PRAGMA wal_checkpoint(TRUNCATE)") }
        } catch {
            Bench.fail("building \(path): \(error)")
        }
        let rowSeconds = Bench.now() - rowsStarted
        return Built(accounts: genesis.accounts.count + fillers, seconds: Bench.now() - started, rowSeconds: rowSeconds, treeSeconds: treeSeconds)
    }
}
