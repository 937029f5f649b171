public import AITBCClient
public import Cryptography
import Ledger
public import SQLite
import ServiceRuntime
public import WireModels

/// The chain node as the wallet's ledger (`LEDGER=chain`): balances and nonces read through
/// the SDK's `ChainClient`, transfers signed here and numbered by a `NonceAllocator`, every
/// transfer this wallet sends tracked in `chain_transfers` until a block includes it.
///
/// History is what the wallet itself sent (and what its own accounts sent each other): the
/// node's RPC has no per-address index, so transfers from elsewhere show in the balance only.
public struct NodeChainAdapter: ChainAdapter {
    /// The SDK client of the node.
    public let client: ChainClient
    /// Nonces per sender.
    public let allocator: NonceAllocator
    let store: ChainTransferStore
    /// Unix milliseconds now.
    let now: @Sendable () -> Int64
    /// How long a pending transfer the node does not know is given before it counts as
    /// dropped: an answer lost in transit may still be on its way to the node.
    let dropGraceMilliseconds: Int64

    /// Always `.chain`.
    public var mode: LedgerMode { .chain }

    /// An adapter over `client`, keeping its transfers in `database` (which must have
    /// `WalletChainSchema`'s tables).
    public init(
        client: ChainClient, database: Database, dropGrace: Duration = .seconds(30),
        now: @escaping @Sendable () -> Int64 = LedgerClock.nowMilliseconds
    ) {
        self.client = client
        store = ChainTransferStore(database: database)
        self.now = now
        dropGraceMilliseconds = Int64(dropGrace.components.seconds) * 1_000 + dropGrace.components.attoseconds / 1_000_000_000_000_000
        allocator = NonceAllocator { address throws(ChainAdapterError) in
            do throws(AITBCError) {
                return try await client.account(address).nextNonce
            } catch {
                throw Self.failure(error)
            }
        }
    }

    /// `GET /rpc/receipts/{id}` on the node: 200 claimed, 404 not (yet) claimed, anything else unknown.
    public func isReceiptClaimed(_ receiptID: String) async -> Bool? {
        guard let id = ReceiptID(receiptID) else { return nil }
        do throws(AITBCError) {
            _ = try await client.receipt(id)
            return true
        } catch {
            return error.kind == .rejected && error.status == 404 ? false : nil
        }
    }

    /// The node's view of `address` and how many of this wallet's transfers from it are pending.
    /// - Throws: `ChainAdapterError.unavailable` when the node cannot answer; `.storage`.
    public func balance(of address: Address) async throws(ChainAdapterError) -> LedgerBalance {
        let account = try await call { () async throws(AITBCError) in try await client.account(address) }
        let pending = try await store.pendingCount(sender: address)
        return LedgerBalance(
            mode: .chain, address: address, balance: LedgerAmount(units: account.balance), nonce: account.nonce,
            nextNonce: allocator.cachedNextNonce(of: address) ?? account.nextNonce, pending: pending)
    }

    /// The allocator's next nonce for `address`, else the node's `next_nonce`.
    /// - Throws: `ChainAdapterError.unavailable`.
    public func nextNonce(of address: Address) async throws(ChainAdapterError) -> UInt64 {
        if let cached = allocator.cachedNextNonce(of: address) { return cached }
        return try await call { () async throws(AITBCError) in try await client.account(address).nextNonce }
    }

    /// This wallet's transfers from or to `address`, newest first; its pending ones are
    /// checked with the node first.
    /// - Throws: `ChainAdapterError.storage`.
    public func history(of address: Address, limit: Int) async throws(ChainAdapterError) -> [LedgerTransfer] {
        let limit = max(1, min(limit, 1_000))
        for row in try await store.pending(sender: address, limit: 100) { _ = try? await reconcile(row) }
        return try await store.history(of: address, limit: limit).map(\.transfer)
    }

    /// Signs and sends a transfer from `key`'s account: the fee is `order.fee` or the node's
    /// estimate (asked before the sender's turn, so concurrent transfers do not wait on it), the
    /// nonce the allocator's.
    /// - Throws: `ChainAdapterError`: `.invalidAmount` (zero, a fraction, above `Int64.max`),
    ///   `.unsupported` (a memo), `.insufficientFunds`, `.rejected` with the node's code,
    ///   `.unavailable` (then the transfer's fate is unknown until `refreshPending`).
    public func transfer(_ order: TransferOrder, key: Ed25519.PrivateKey) async throws(ChainAdapterError) -> LedgerTransfer {
        guard order.memo == nil else { throw .unsupported("memo: chain transfers carry no memo (the offline ledger keeps one)") }
        guard let amount = order.amount.wholeUnits else {
            throw .invalidAmount("the chain moves whole base units, at most \(Int64.max); \(order.amount) is not")
        }
        guard amount > 0 else { throw .invalidAmount("must be greater than 0") }
        if let fee = order.fee, fee > UInt64(Int64.max) { throw .invalidAmount("fee: must be at most \(Int64.max)") }
        let payload = TransactionPayload.transfer(to: order.to, amount: amount)
        let fee: UInt64
        if let chosen = order.fee {
            fee = chosen
        } else {
            fee = try await call { () async throws(AITBCError) in try await client.estimateFee(for: payload).estimatedFee }
        }
        let sender = Address(publicKey: key.publicKey)
        return try await allocator.submit(from: sender) { nonce in
            await send(payload, fee: fee, nonce: nonce, key: key, recipient: order.to)
        }
    }

    /// The transfer `id` (`0x…`): this wallet's record brought up to date with the node (as
    /// last known when the node cannot answer), else the node's own view of a transfer it knows.
    /// - Throws: `ChainAdapterError.notFound`; `.unavailable`; `.storage`.
    public func transfer(id: String) async throws(ChainAdapterError) -> LedgerTransfer {
        guard let hash = TxHash(id) else { throw .notFound(id) }
        if let row = try await store.row(hash) {
            // The node away: the wallet's own record, as last known, is still the answer.
            return ((try? await reconcile(row)) ?? row).transfer
        }
        let view: TxView
        do {
            view = try await client.transaction(hash)
        } catch where error.isRejection(404) {
            throw .notFound(id)
        } catch {
            throw Self.failure(error)
        }
        guard view.type == .transfer, view.status != .unknown,
            case .transfer(let to, let amount)? = try? TransactionPayload(json: view.payload, type: .transfer)
        else { throw .notFound(id) }
        return LedgerTransfer(
            mode: .chain, id: hash.rawValue, from: view.sender, to: to, amount: LedgerAmount(units: amount), fee: view.fee,
            nonce: view.nonce, status: view.status == .included ? .included : .pending, blockHeight: view.blockHeight,
            createdAt: view.createdAt?.rawValue ?? RFC3339.format(milliseconds: now()))
    }

    /// Checks up to `limit` pending transfers with the node, oldest first: included ones get
    /// their block height, dropped ones are marked and their sender's nonce is read again.
    /// - Returns: how many changed.
    /// - Throws: `ChainAdapterError.storage` reading the table.
    @discardableResult
    public func refreshPending(limit: Int = 500) async throws(ChainAdapterError) -> Int {
        var changed = 0
        for row in try await store.pending(limit: limit) {
            if let updated = try? await reconcile(row), updated.status != row.status { changed += 1 }
        }
        return changed
    }

    /// Calls `refreshPending` every `interval` until the task is cancelled (the daemon runs
    /// this for as long as it serves).
    public func trackPending(every interval: Duration) async {
        while !Task.isCancelled {
            _ = try? await refreshPending()
            do {
                try await Task.sleep(for: interval)
            } catch {
                return
            }
        }
    }
}
