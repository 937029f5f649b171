import Cryptography

/// Why a block was refused (spec/chain-node.md N5); `reason` is the `blocks_rejected_total`
/// label.
public enum BlockRejection: Error, Sendable, Equatable, CustomStringConvertible {
    case wrongChain
    case wrongHeight(expected: UInt64, got: UInt64)
    case wrongParent
    case timeNotAfterParent
    case unknownProposer
    case notScheduled
    /// The header's time is further ahead of this node's clock than `MAX_CLOCK_DRIFT_MS`.
    case timeInFuture
    case badSignature
    /// The block's claimed hash is not the hash of its header fields.
    case hashMismatch
    /// A root in the header does not match the transactions or the state they produce.
    case rootMismatch(String)
    /// A transaction in the block is invalid.
    case invalidTransaction(String)

    /// Whether the block itself is at fault, whoever holds it: a peer that sends it is lying
    /// or broken. A block refused only for where it stands against this node's head (another
    /// height, another parent — a fork, or our head moved while it was on the way) or for a
    /// time ahead of this node's clock is no fault of its sender.
    public var blamesSender: Bool {
        switch self {
        case .wrongHeight, .wrongParent, .timeInFuture: false
        default: true
        }
    }

    /// The metric label.
    public var reason: String {
        switch self {
        case .wrongChain: "wrong_chain"
        case .wrongHeight: "wrong_height"
        case .wrongParent: "wrong_parent"
        case .timeNotAfterParent: "time_not_after_parent"
        case .unknownProposer: "unknown_proposer"
        case .notScheduled: "not_scheduled"
        case .timeInFuture: "time_in_future"
        case .badSignature: "bad_signature"
        case .hashMismatch: "hash_mismatch"
        case .rootMismatch: "root_mismatch"
        case .invalidTransaction: "invalid_transaction"
        }
    }

    public var description: String {
        switch self {
        case .wrongChain: "the header names another chain"
        case .wrongHeight(let expected, let got): "height \(got), expected \(expected)"
        case .wrongParent: "parent hash is not the head's hash"
        case .timeNotAfterParent: "time is not after the parent's"
        case .unknownProposer: "the proposer is not an authority in genesis"
        case .notScheduled: "the proposer is not the authority scheduled for this height and slot offset"
        case .timeInFuture: "the block's time is ahead of this node's clock by more than the allowed drift"
        case .badSignature: "the signature does not verify over the header hash"
        case .hashMismatch: "the block's hash is not the hash of its header"
        case .rootMismatch(let which): "\(which) does not match the block's contents"
        case .invalidTransaction(let message): "invalid transaction: \(message)"
        }
    }
}

/// The header checks a block must pass before its transactions are executed: chain, height,
/// parent link, time, proposer (a genesis authority, the one scheduled for the height at the
/// block's slot offset) and the proposer's signature.
public enum BlockRules {
    /// The node's clock for the `time_in_future` check: a block further ahead than
    /// `maxDriftMilliseconds` is refused (not stored; the sender resends, sync retries), so an
    /// authority cannot claim a later slot, and with it a backup's turn, before that time.
    public struct Clock: Sendable, Equatable {
        public var nowMilliseconds: UInt64
        public var maxDriftMilliseconds: UInt64

        /// Now and the allowed drift.
        public init(nowMilliseconds: UInt64, maxDriftMilliseconds: UInt64) {
            self.nowMilliseconds = nowMilliseconds
            self.maxDriftMilliseconds = maxDriftMilliseconds
        }
    }

    /// - Parameter clock: nil skips the time check (replaying stored blocks, accepted when
    ///   they arrived).
    /// - Throws: `BlockRejection`.
    public static func checkHeader(
        _ header: BlockHeader, signature: [UInt8], parent: BlockHeader, parentHash: [UInt8], genesis: GenesisDocument, clock: Clock? = nil,
        signatureVerified: Bool = false
    ) throws(BlockRejection) {
        guard header.chainID == genesis.chainID else { throw .wrongChain }
        guard header.height == parent.height + 1 else { throw .wrongHeight(expected: parent.height + 1, got: header.height) }
        guard header.parentHash == parentHash else { throw .wrongParent }
        guard header.timeMilliseconds > parent.timeMilliseconds else { throw .timeNotAfterParent }
        if let clock, header.timeMilliseconds > clock.nowMilliseconds &+ clock.maxDriftMilliseconds { throw .timeInFuture }
        guard let proposer = try? Ed25519.PublicKey(rawRepresentation: header.proposerKey),
            genesis.authorities.contains(where: { $0.publicKey == proposer })
        else { throw .unknownProposer }
        let offset = genesis.slotOffset(time: header.timeMilliseconds, parentTime: parent.timeMilliseconds)
        guard genesis.scheduledAuthority(height: header.height, offset: offset).publicKey == proposer else { throw .notScheduled }
        // A batch importer verifies every signature of the batch in parallel first.
        guard signatureVerified || header.isValidSignature(signature) else { throw .badSignature }
    }
}
