public import Ledger
public import WireModels
import Cryptography
import ServiceRuntime
import SQLite

/// A block as stored: its header, hash, signature and the supply after it.
public struct StoredBlock: Sendable, Equatable {
    public var header: BlockHeader
    public var hash: BlockHash
    /// 64 bytes; empty for block 0.
    public var signature: [UInt8]
    public var txCount: Int
    /// Genesis balances plus every mint up to and including this block.
    public var supply: UInt64

    public var height: UInt64 { header.height }

    /// The RFC 3339 time of the header.
    public var timestamp: WireTime {
        let milliseconds = Int64(clamping: header.timeMilliseconds)
        return WireTime(rawValue: RFC3339.format(milliseconds: milliseconds), unixMilliseconds: milliseconds)
    }

    /// `GET /rpc/head`.
    public var headView: HeadView { HeadView(chainID: header.chainID, height: height, hash: hash, timestamp: timestamp, txCount: txCount) }

    /// `GET /rpc/blocks/{h}` with the block's transaction ids.
    public func view(txs: [TxHash]) -> BlockView {
        let proposerKey = header.proposerKey
        let isGenesis = header.height == 0
        let proposer = isGenesis ? "" : ((try? Ed25519.PublicKey(rawRepresentation: proposerKey)).map { Address(publicKey: $0).rawValue } ?? "")
        return BlockView(
            height: height, hash: hash, parentHash: Hash32(bytes: header.parentHash), timestamp: timestamp, proposer: proposer,
            proposerKey: Hex.encode(proposerKey), txCount: txCount, txRoot: Hash32(bytes: header.txRoot),
            stateRoot: Hash32(bytes: header.stateRoot), receiptsRoot: Hash32(bytes: header.receiptsRoot),
            signature: Hex.encode(signature), txs: txs)
    }

    static let columns = "height, hash, parent_hash, time_ms, proposer_key, tx_count, tx_root, state_root, receipts_root, signature, supply"

    /// Reads a `block` row (columns in `columns` order).
    /// - Throws: `ChainStoreError.corrupt` for a row no honest node writes.
    init(row: Row, chainID: String) throws {
        func hash(_ index: Int) throws -> [UInt8] {
            let text: String = try row.get(index)
            guard let parsed = Hash32(text) else { throw ChainStoreError.corrupt("block row: column \(index) is not a hash") }
            return parsed.bytes
        }
        let height: Int64 = try row.get(0)
        let proposerHex: String = try row.get(4)
        let signatureHex: String = try row.get(9)
        let supply: Int64 = try row.get(10)
        let time: Int64 = try row.get(3)
        let txCount: Int64 = try row.get(5)
        guard let proposerKey = try? Hex.decode(proposerHex, length: 32), let signature = try? Hex.decode(signatureHex) else {
            throw ChainStoreError.corrupt("block \(height): proposer key or signature is not hex")
        }
        header = BlockHeader(
            chainID: chainID, height: UInt64(max(0, height)), parentHash: try hash(2), timeMilliseconds: UInt64(max(0, time)),
            proposerKey: proposerKey, txRoot: try hash(6), stateRoot: try hash(7), receiptsRoot: try hash(8))
        self.hash = Hash32(bytes: try hash(1))
        self.signature = signature
        self.txCount = Int(txCount)
        self.supply = UInt64(max(0, supply))
    }

    /// A block just produced.
    public init(header: BlockHeader, signature: [UInt8], txCount: Int, supply: UInt64) {
        self.header = header
        hash = Hash32(bytes: header.hash)
        self.signature = signature
        self.txCount = txCount
        self.supply = supply
    }
}

/// Why the store failed.
public enum ChainStoreError: Error, Sendable, CustomStringConvertible {
    /// The database was made from another genesis file.
    case genesisMismatch(stored: String, file: String)
    /// A row breaks an invariant (tampering, disk corruption).
    case corrupt(String)
    /// The state in `account` does not match the head's state root.
    case stateRootMismatch(height: UInt64, expected: String, computed: String, accounts: [String])

    public var description: String {
        switch self {
        case .genesisMismatch(let stored, let file):
            "the database was made from another genesis (database genesis \(stored), file \(file)); use the genesis file it was made with or a new DB_PATH"
        case .corrupt(let message): "database corrupt: \(message)"
        case .stateRootMismatch(let height, let expected, let computed, let accounts):
            "state root mismatch at height \(height): block says \(expected), account table gives \(computed)"
                + (accounts.isEmpty ? "" : "; accounts that differ from re-execution: \(accounts.prefix(20).joined(separator: ", "))")
        }
    }
}

extension StoredBlock {
    /// The block as peers exchange it.
    public func fullBlock(txs: [TransactionMessage]) -> FullBlock {
        FullBlock(
            chainID: header.chainID, height: header.height, hash: hash, parentHash: Hash32(bytes: header.parentHash),
            timeMilliseconds: header.timeMilliseconds, proposerKey: Hex.encode(header.proposerKey), txRoot: Hash32(bytes: header.txRoot),
            stateRoot: Hash32(bytes: header.stateRoot), receiptsRoot: Hash32(bytes: header.receiptsRoot), signature: Hex.encode(signature),
            txs: txs)
    }
}

extension FullBlock {
    /// The header and signature the block claims, checked against its claimed hash.
    /// - Throws: `BlockRejection.hashMismatch` when the fields do not hash to `hash`, `.badSignature`
    ///   for a signature that is not 64 bytes of hex.
    public func header() throws(BlockRejection) -> (header: BlockHeader, signature: [UInt8]) {
        guard let proposer = try? Hex.decode(proposerKey, length: 32) else { throw .unknownProposer }
        guard let signature = try? Hex.decode(self.signature), signature.count == 64 else { throw .badSignature }
        let header = BlockHeader(
            chainID: chainID, height: height, parentHash: parentHash.bytes, timeMilliseconds: timeMilliseconds, proposerKey: proposer,
            txRoot: txRoot.bytes, stateRoot: stateRoot.bytes, receiptsRoot: receiptsRoot.bytes)
        guard header.hash == hash.bytes else { throw .hashMismatch }
        return (header, signature)
    }
}
