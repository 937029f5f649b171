import AITBCClient
import Cryptography
import Ledger
import ServiceRuntime
import WireModels

extension NodeChainAdapter {
    /// Codes with which the node refuses a transaction's nonce rather than the transaction.
    static let nonceConflicts: Set<String> = ["NONCE_TOO_LOW", "NONCE_GAP", "REPLACEMENT_UNDERPRICED"]

    /// One attempt at nonce `nonce`, inside the sender's turn: the row is written first (a
    /// daemon that dies mid-send still knows the transaction), then the transaction is sent.
    func send(
        _ payload: TransactionPayload, fee: UInt64, nonce: UInt64, key: Ed25519.PrivateKey, recipient: Address
    ) async -> NonceAllocator.Outcome<LedgerTransfer> {
        // A caller gone while it waited for its turn sends nothing and takes no nonce.
        guard !Task.isCancelled else { return .unused(.unavailable("cancelled before sending")) }
        let transaction: TransactionMessage
        let hash: TxHash
        do {
            transaction = try TransactionMessage.make(chainID: client.chainID, key: key, nonce: nonce, fee: fee, payload: payload)
            hash = try transaction.transactionID()
        } catch {
            return .unused(.invalidAmount(error.description))
        }
        let time = RFC3339.format(milliseconds: now())
        let row = ChainTransferStore.Row(
            txHash: hash, chainID: client.chainID, sender: transaction.sender, recipient: recipient, amount: payload.amount, fee: fee,
            nonce: nonce, status: .pending, blockHeight: nil, createdAt: time)
        do {
            try await store.insert(row)
        } catch {
            return .unused(error)
        }
        let answer: SendTxResponse
        do {
            answer = try await client.send(transaction)
        } catch {
            guard error.kind == .rejected, let status = error.status, status < 500 else {
                // No answer, or a failing node: the transaction may be in its mempool. The row
                // stays pending; `reconcile` learns its fate.
                return .unknown(Self.failure(error))
            }
            try? await store.delete(hash)
            if let code = error.serverCode, Self.nonceConflicts.contains(code) { return .conflict(Self.failure(error)) }
            return .unused(Self.failure(error))
        }
        var sent = row
        if answer.status == .included {
            sent.status = .included
            try? await store.update(hash, status: .included, blockHeight: nil, time: time)
        }
        return .used(sent.transfer)
    }

    /// `row` brought up to date with the node: included (with its height), still pending, or
    /// dropped — unknown to the node once `dropGrace` has passed, or its nonce taken by
    /// another transaction. A drop makes the allocator read the sender's nonce again.
    /// - Throws: `ChainAdapterError.unavailable` when the node cannot answer; `.storage`.
    func reconcile(_ row: ChainTransferStore.Row) async throws(ChainAdapterError) -> ChainTransferStore.Row {
        guard row.status == .pending else { return row }
        var updated = row
        let view: TxView?
        do {
            view = try await client.transaction(row.txHash)
        } catch where error.isRejection(404) {
            view = nil
        } catch {
            throw Self.failure(error)
        }
        switch view?.status {
        case .included?:
            updated.status = .included
            updated.blockHeight = view?.blockHeight
        case .pending?:
            return row
        case .unknown?, nil:
            updated.status = try await droppedOrPending(row)
        }
        guard updated != row else { return row }
        try await store.update(row.txHash, status: updated.status, blockHeight: updated.blockHeight, time: RFC3339.format(milliseconds: now()))
        if updated.status == .dropped { allocator.invalidate(row.sender) }
        return updated
    }

    /// For a transaction the node does not know: dropped when its sender's nonce has passed it
    /// (another transaction took the nonce), or when it has been gone longer than `dropGrace`.
    private func droppedOrPending(_ row: ChainTransferStore.Row) async throws(ChainAdapterError) -> TransferStatus {
        let account = try await call { () async throws(AITBCError) in try await client.account(row.sender) }
        if account.nonce >= row.nonce { return .dropped }
        guard let created = WireTime(row.createdAt) else { return .dropped }
        return now() - created.unixMilliseconds >= dropGraceMilliseconds ? .dropped : .pending
    }

    /// Runs one SDK call, its failure as a `ChainAdapterError`.
    func call<T>(_ body: () async throws(AITBCError) -> T) async throws(ChainAdapterError) -> T {
        do {
            return try await body()
        } catch {
            throw Self.failure(error)
        }
    }

    /// The adapter's error for an SDK error.
    static func failure(_ error: AITBCError) -> ChainAdapterError {
        switch error.kind {
        case .rejected:
            let status = error.status ?? 0
            if status >= 500 { return .unavailable(error.description) }
            if error.serverCode == "INSUFFICIENT_BALANCE" { return .insufficientFunds(error.message) }
            return .rejected(code: error.code, message: error.message, status: status)
        case .unreachable, .invalidResponse, .cancelled, .timedOut:
            return .unavailable(error.description)
        case .invalidRequest:
            return .rejected(code: error.code, message: error.message, status: 400)
        }
    }
}

extension TransactionPayload {
    /// A transfer's amount (0 for a claim).
    var amount: UInt64 {
        if case .transfer(_, let amount) = self { return amount }
        return 0
    }
}
