public import Cryptography

/// The signed part of a block, in one fixed binary encoding (docs/chain-node.md "Block header"):
///
/// ```
/// "AITBC-BLOCK" 0x01 | u16 len(chain_id) | chain_id (UTF-8) | u64 height | parent hash (32)
/// | u64 time_ms | proposer public key (32) | tx_root (32) | state_root (32) | receipts_root (32)
/// ```
/// Integers are big-endian. The hash is SHA-256 of these bytes; the proposer signs the 32 hash
/// bytes with Ed25519. Unlike the reference's `chain|height|parent|ts` text, every field a
/// follower must agree on is covered: who proposed, which transactions in which order, and
/// the state and receipts they produced.
public struct BlockHeader: Sendable, Equatable {
    /// Magic and version: a header can never be mistaken for another signed message.
    public static let magic: [UInt8] = Array("AITBC-BLOCK".utf8) + [0x01]

    public var chainID: String
    public var height: UInt64
    /// 32 bytes; zeros for block 0.
    public var parentHash: [UInt8]
    /// Unix milliseconds.
    public var timeMilliseconds: UInt64
    /// 32 bytes; zeros for block 0 (nobody proposes genesis).
    public var proposerKey: [UInt8]
    public var txRoot: [UInt8]
    public var stateRoot: [UInt8]
    public var receiptsRoot: [UInt8]

    /// A header.
    public init(
        chainID: String, height: UInt64, parentHash: [UInt8], timeMilliseconds: UInt64, proposerKey: [UInt8], txRoot: [UInt8],
        stateRoot: [UInt8], receiptsRoot: [UInt8]
    ) {
        self.chainID = chainID
        self.height = height
        self.parentHash = parentHash
        self.timeMilliseconds = timeMilliseconds
        self.proposerKey = proposerKey
        self.txRoot = txRoot
        self.stateRoot = stateRoot
        self.receiptsRoot = receiptsRoot
    }

    /// The fixed encoding. Fields of the wrong length are encoded as they are and so give a
    /// hash no honest node produces; `LedgerError.malformedHeader` is for callers that check.
    public var encoded: [UInt8] {
        var out = Self.magic
        let chain = Array(chainID.utf8)
        out.reserveCapacity(out.count + 2 + chain.count + 8 * 2 + 32 * 5)
        out.append(UInt8(truncatingIfNeeded: chain.count >> 8))
        out.append(UInt8(truncatingIfNeeded: chain.count))
        out += chain
        Self.append(height, to: &out)
        out += parentHash
        Self.append(timeMilliseconds, to: &out)
        out += proposerKey
        out += txRoot
        out += stateRoot
        out += receiptsRoot
        return out
    }

    /// SHA-256 of `encoded`.
    public var hash: [UInt8] { SHA256.hash(encoded) }

    /// Whether every fixed-size field has its size.
    public var isWellFormed: Bool {
        chainID.utf8.count <= Int(UInt16.max)
            && [parentHash, proposerKey, txRoot, stateRoot, receiptsRoot].allSatisfy { $0.count == 32 }
    }

    /// The proposer's signature over the hash.
    public func sign(with key: Ed25519.PrivateKey) -> [UInt8] {
        key.signature(for: hash)
    }

    /// Whether `signature` is the proposer key's signature over the hash.
    public func isValidSignature(_ signature: [UInt8]) -> Bool {
        guard isWellFormed, signature.count == Ed25519.signatureLength,
            let key = try? Ed25519.PublicKey(rawRepresentation: proposerKey)
        else { return false }
        return key.isValidSignature(signature, for: hash)
    }

    static func append(_ value: UInt64, to out: inout [UInt8]) {
        for shift in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }
}
