public import Cryptography
import FoundationEssentials
import Glibc
public import WireModels

/// Where the wallet's balances and transfers live (`LEDGER`): the chain node (`chain`, the
/// default) or the SQLite ledger of the reference kept as an offline mode (`offline`), which
/// moves nothing on any chain. Every answer carries it, so an offline figure is never taken
/// for an on-chain one.
public enum LedgerMode: String, Sendable, CaseIterable {
    case chain
    case offline
}

/// What the wallet asks of a ledger (issue 15 "Chain adapter"): balances, the next nonce,
/// history, signed transfers and their status. `NodeChainAdapter` is the chain node through
/// the SDK; `OfflineLedger` is the local SQLite ledger. The daemon's `WalletService` holds one
/// and never knows which.
public protocol ChainAdapter: Sendable {
    /// Which ledger answers.
    var mode: LedgerMode { get }

    /// The balance of `address`, with its nonces on the chain.
    /// - Throws: `ChainAdapterError`.
    func balance(of address: Address) async throws(ChainAdapterError) -> LedgerBalance

    /// The nonce the next transfer from `address` will carry.
    /// - Throws: `ChainAdapterError`; `.unsupported` offline (the offline ledger has no nonces).
    func nextNonce(of address: Address) async throws(ChainAdapterError) -> UInt64

    /// Transfers from or to `address`, newest first, at most `limit`.
    /// - Throws: `ChainAdapterError`.
    func history(of address: Address, limit: Int) async throws(ChainAdapterError) -> [LedgerTransfer]

    /// Moves `order.amount` from the address of `key` to `order.to`, signed with `key` (which
    /// never leaves the process).
    /// - Throws: `ChainAdapterError`; `.insufficientFunds`, `.rejected` (the chain's code),
    ///   `.invalidAmount`, `.unavailable`.
    func transfer(_ order: TransferOrder, key: Ed25519.PrivateKey) async throws(ChainAdapterError) -> LedgerTransfer

    /// The transfer `id` (a chain `0x…` hash, or an offline txid) as the ledger sees it now.
    /// - Throws: `ChainAdapterError.notFound` when neither the ledger nor the wallet knows it.
    func transfer(id: String) async throws(ChainAdapterError) -> LedgerTransfer

    /// Whether a RECEIPT_CLAIM for `receiptID` is on the chain; nil when that cannot be known
    /// (offline ledger, node unreachable, an id the chain cannot hold).
    func isReceiptClaimed(_ receiptID: String) async -> Bool?
}

extension ChainAdapter {
    /// Unknown: a ledger that is not the chain has no claims.
    public func isReceiptClaimed(_ receiptID: String) async -> Bool? { nil }
}

/// A transfer to make.
public struct TransferOrder: Sendable, Equatable {
    /// The recipient.
    public var to: Address
    /// How much; on the chain it must be whole base units.
    public var amount: LedgerAmount
    /// The fee in base units (chain only); nil takes the node's estimate.
    public var fee: UInt64?
    /// A note kept with an offline transfer; the chain's transfers carry none, so the chain
    /// adapter refuses one rather than drop it silently.
    public var memo: String?

    /// An order; `fee` and `memo` are optional.
    public init(to: Address, amount: LedgerAmount, fee: UInt64? = nil, memo: String? = nil) {
        self.to = to
        self.amount = amount
        self.fee = fee
        self.memo = memo
    }
}

/// An account as a ledger reports it.
public struct LedgerBalance: Sendable, Equatable {
    /// Which ledger answered.
    public var mode: LedgerMode
    /// The account.
    public var address: Address
    /// The committed balance.
    public var balance: LedgerAmount
    /// Transactions applied from this account (chain only).
    public var nonce: UInt64?
    /// The nonce of its next transaction, pending ones counted (chain only).
    public var nextNonce: UInt64?
    /// Transfers this wallet sent that are not in a block yet (chain only; 0 offline).
    public var pending: Int

    /// A balance.
    public init(mode: LedgerMode, address: Address, balance: LedgerAmount, nonce: UInt64? = nil, nextNonce: UInt64? = nil, pending: Int = 0) {
        self.mode = mode
        self.address = address
        self.balance = balance
        self.nonce = nonce
        self.nextNonce = nextNonce
        self.pending = pending
    }
}

/// Where a transfer is.
public enum TransferStatus: String, Sendable, CaseIterable {
    /// Admitted to the node's mempool, not yet in a block.
    case pending
    /// In a block (`blockHeight`).
    case included
    /// Gone from the node without a block: refused when its block was made, or replaced, or
    /// after an earlier nonce of its sender was dropped. Its nonce was freed for later ones.
    case dropped
    /// Written to the offline ledger (which has no blocks).
    case recorded
}

/// A transfer as the wallet reports it.
public struct LedgerTransfer: Sendable, Equatable {
    /// Which ledger holds it.
    public var mode: LedgerMode
    /// The chain transaction hash (`0x…`), or the offline ledger's txid (`offline-…`).
    public var id: String
    /// Sender and recipient.
    public var from: Address
    public var to: Address
    /// The amount moved.
    public var amount: LedgerAmount
    /// Fee and nonce on the chain; nil offline.
    public var fee: UInt64?
    public var nonce: UInt64?
    /// The offline memo.
    public var memo: String?
    /// Where it is.
    public var status: TransferStatus
    /// The block it is in.
    public var blockHeight: UInt64?
    /// When the wallet sent or recorded it, RFC 3339 UTC.
    public var createdAt: String

    /// A transfer.
    public init(
        mode: LedgerMode, id: String, from: Address, to: Address, amount: LedgerAmount, fee: UInt64? = nil, nonce: UInt64? = nil,
        memo: String? = nil, status: TransferStatus, blockHeight: UInt64? = nil, createdAt: String
    ) {
        self.mode = mode
        self.id = id
        self.from = from
        self.to = to
        self.amount = amount
        self.fee = fee
        self.nonce = nonce
        self.memo = memo
        self.status = status
        self.blockHeight = blockHeight
        self.createdAt = createdAt
    }
}

/// The wall clock the ledgers stamp transfers with (tests inject their own).
public enum LedgerClock {
    /// Unix milliseconds now.
    @Sendable public static func nowMilliseconds() -> Int64 { Int64((Date().timeIntervalSince1970 * 1_000).rounded(.down)) }
}
