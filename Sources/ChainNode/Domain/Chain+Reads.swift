import Synchronization
import SQLite
import Logging
import Cryptography
import JSON
import Ledger
import ServiceRuntime
public import WireModels

extension Chain {
    /// `GET /rpc/head`.
    public func headView() -> HeadView { head.headView }

    /// `GET /rpc/blocks/{height}`.
    /// - Throws: `ChainError.notFound` (`BLOCK_NOT_FOUND`), `.storage`.
    public func block(height: UInt64) async throws(ChainError) -> BlockView {
        let found = try await storage { try await self.store.block(height: height) }
        guard let (block, txs) = found else { throw .notFound(code: "BLOCK_NOT_FOUND", message: "block not found") }
        return block.view(txs: txs)
    }

    /// `GET /rpc/getBlock/{hash}`.
    /// - Throws: `ChainError.notFound`, `.storage`.
    public func block(hash: BlockHash) async throws(ChainError) -> BlockView {
        let found = try await storage { try await self.store.block(hash: hash) }
        guard let (block, txs) = found else { throw .notFound(code: "BLOCK_NOT_FOUND", message: "block not found") }
        return block.view(txs: txs)
    }

    /// Most body bytes in one `blocks-range` answer (a syncing peer asks again from the next block).
    public static let maxRangeBytes = 8 << 20

    /// `GET /rpc/blocks-range?start=&end=` (and P2P `get_blocks`): full blocks from `start`
    /// through `end` (inclusive; default and cap `start` + 499), fewer when the head is lower or
    /// the answer would pass `maxRangeBytes`.
    /// - Throws: `ChainError.storage`.
    public func blocksRange(start: UInt64, end: UInt64?) async throws(ChainError) -> BlocksRangeResponse {
        let cap = start.addingReportingOverflow(UInt64(BlocksRangeResponse.maxBlocks - 1))
        let last = min(end ?? UInt64.max, cap.overflow ? UInt64.max : cap.partialValue)
        let headHeight = head.height
        // An empty range (end below start, or start above the head) is an empty answer.
        guard last >= start, start <= headHeight else { return BlocksRangeResponse(blocks: [], head: headHeight) }
        let blocks = try await storage {
            try await self.store.fullBlocks(
                from: start, through: min(last, headHeight), maxBlocks: BlocksRangeResponse.maxBlocks, maxBytes: Self.maxRangeBytes)
        }
        return BlocksRangeResponse(blocks: blocks, head: headHeight)
    }

    /// `GET /rpc/tx/{hash}`: pending (in the mempool) or included; unknown is a 404 whose
    /// details say `"status":"unknown"`.
    /// - Throws: `ChainError.notFound` (`TX_NOT_FOUND`), `.storage`.
    public func transaction(_ id: TxHash) async throws(ChainError) -> TxView {
        if let included = try await storage({ try await self.store.transaction(id) }) {
            return Self.includedView(included)
        }
        if let pending = mempool.withLock({ $0.transaction(id) }) { return Self.pendingView(pending.message, id: id) }
        throw .notFound(code: "TX_NOT_FOUND", message: "transaction not found")
    }

    /// An included transaction's TxView: the REST body and the WebSocket RPC's frame, one code.
    static func includedView(_ included: ChainStore.IncludedTransaction) -> TxView {
        let message = included.message
        let time = Int64(clamping: included.blockTimeMilliseconds)
        return TxView(
            txHash: included.id, status: .included, blockHeight: included.blockHeight, type: message.type, sender: message.sender,
            recipient: included.recipient, nonce: message.nonce, fee: message.fee, payload: message.payload.json,
            createdAt: WireTime(rawValue: RFC3339.format(milliseconds: time), unixMilliseconds: time))
    }

    /// A pending transaction's TxView.
    static func pendingView(_ message: TransactionMessage, id: TxHash) -> TxView {
        TxView(
            txHash: id, status: .pending, blockHeight: nil, type: message.type, sender: message.sender,
            recipient: message.payload.recipient, nonce: message.nonce, fee: message.fee, payload: message.payload.json, createdAt: nil)
    }

    /// `GET /rpc/getBalance/{address}`; `next_nonce` counts the sender's pending transactions.
    /// - Throws: `ChainError.storage`.
    public func account(_ address: Address) async throws(ChainError) -> AccountView {
        let (state, updated) = try await storage { try await self.store.account(address) }
        return accountView(state, updatedAtMilliseconds: updated)
    }

    /// An account's view (REST body and WebSocket RPC frame): `state` as committed, the next
    /// nonce counting the sender's pending transactions now.
    func accountView(_ state: AccountState, updatedAtMilliseconds updated: UInt64?) -> AccountView {
        let address = state.address
        let next = mempool.withLock { $0.nextNonce(address) } ?? state.nonce + 1
        let updatedAt = updated.map { milliseconds in
            let time = Int64(clamping: milliseconds)
            return WireTime(rawValue: RFC3339.format(milliseconds: time), unixMilliseconds: time)
        }
        return AccountView(address: address, balance: state.balance, nonce: state.nonce, nextNonce: max(next, state.nonce + 1), updatedAt: updatedAt)
    }

    /// `GET /rpc/receipts/{receipt_id}`.
    /// - Throws: `ChainError.notFound` (`RECEIPT_NOT_FOUND`), `.storage`.
    public func receipt(_ receiptID: ReceiptID) async throws(ChainError) -> ChainReceiptView {
        guard let view = try await storage({ try await self.store.receipt(receiptID) }) else {
            throw .notFound(code: "RECEIPT_NOT_FOUND", message: "receipt not found")
        }
        return view
    }

    /// `POST /rpc/estimateFee`.
    /// - Throws: `ChainError.invalidRequest` for a payload holding a non-finite number.
    public func estimateFee(_ request: EstimateFeeRequest) throws(ChainError) -> EstimateFeeResponse {
        guard let (bytes, fee) = FeeRule.estimate(type: request.type, payload: request.payload, parameters: parameters) else {
            throw .invalidRequest(WireDecodingError(field: "payload", reason: "must hold finite numbers only"))
        }
        return EstimateFeeResponse(
            type: request.type, baseFee: parameters.baseFee, feePerByte: parameters.feePerByte, payloadBytes: UInt64(bytes), estimatedFee: fee)
    }

    /// Pending transactions.
    public var mempoolCount: Int { mempool.withLock { $0.count } }

    func storage<T: Sendable>(_ body: () async throws -> T) async throws(ChainError) -> T {
        do {
            return try await body()
        } catch {
            logger.error("storage failure", metadata: ["error": "\(error)"])
            throw .storage("\(error)")
        }
    }
}
