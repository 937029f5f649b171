import JSON
import Ledger
import WebSocket
import WireModels

/// One block as the WebSocket RPC's topics send it: each REST body built by the REST routes'
/// own code (`StoredBlock.view`, `Chain.includedView`, `Chain.accountView`, `Chain.receipt`) and
/// JSON-encoded once, whatever the number of subscribers. The bare endpoints' frames are the
/// bodies themselves, so they are prepared once (and compressed once) for every socket.
struct BlockFeed: Sendable {
    /// An included (or pending) transaction: what filters match on and its TxView.
    struct Transaction: Sendable {
        var id: TxHash
        var sender: Address
        var recipient: String
        var data: [UInt8]
        /// The bare `/rpc/ws/transactions` frame.
        var prepared: WebSocketPreparedMessage

        init(_ view: TxView) {
            id = view.txHash
            sender = view.sender
            recipient = view.recipient
            data = BlockFeed.encode(view.json)
            prepared = WebSocketPreparedMessage(.text(String(decoding: data, as: UTF8.self)))
        }

        /// Whether a `txs` filter for `address` (nil: all) takes it.
        func matches(_ address: Address?) -> Bool {
            guard let address else { return true }
            return sender == address || recipient == address.rawValue
        }
    }

    var height: UInt64
    /// When the block's event was heard (≈ its commit), for `ws_delivery_seconds`; nil in a backfill.
    var committedAt: ContinuousClock.Instant?
    /// BlockView.
    var head: [UInt8]
    /// The bare `/rpc/ws/blocks` frame.
    var headPrepared: WebSocketPreparedMessage
    var transactions: [Transaction] = []
    /// AccountView of every account the block changed (only built while someone follows accounts).
    var accounts: [Address: [UInt8]] = [:]
    /// The claimed receipts' bodies (only those someone follows).
    var receipts: [ReceiptID: (height: UInt64, data: [UInt8])] = [:]

    init(height: UInt64, committedAt: ContinuousClock.Instant?, block: BlockView) {
        self.height = height
        self.committedAt = committedAt
        head = Self.encode(block.json)
        headPrepared = WebSocketPreparedMessage(.text(String(decoding: head, as: UTF8.self)))
    }

    /// A committed block as it is heard; the topics nobody follows are left empty.
    static func live(
        _ committed: CommittedBlock, at instant: ContinuousClock.Instant, chain: Chain, transactions: Bool, accounts: Bool,
        receipts wanted: Set<ReceiptID>
    ) async -> BlockFeed {
        let block = committed.block
        var feed = BlockFeed(height: block.height, committedAt: instant, block: block.view(txs: committed.transactions.map(\.id)))
        if transactions {
            let time = block.header.timeMilliseconds
            for transaction in committed.transactions {
                // As the store reads it back: from the signed text (the payload's member order is the text's).
                let message = (try? TransactionMessage(bytes: Array(transaction.text.utf8))) ?? transaction.message
                var recipient = message.payload.recipient
                if case .receiptClaim = message.payload {
                    // A claim's recipient is the address its receipt minted to, as the block's rows say.
                    recipient = (try? await chain.store.transaction(transaction.id))?.recipient ?? recipient
                }
                let included = ChainStore.IncludedTransaction(
                    message: message, id: transaction.id, blockHeight: block.height, recipient: recipient, blockTimeMilliseconds: time)
                feed.transactions.append(Transaction(Chain.includedView(included)))
            }
        }
        if accounts {
            for account in committed.accounts {
                feed.accounts[account.address] = encode(chain.accountView(account, updatedAtMilliseconds: block.header.timeMilliseconds).json)
            }
        }
        for id in committed.claims where wanted.contains(id) {
            if let view = try? await chain.receipt(id) { feed.receipts[id] = (view.blockHeight, encode(view.json)) }
        }
        return feed
    }

    /// Block `height` read back from the store for a backfill (heads and, when asked, txs).
    /// - Throws: `ChainError` (`BLOCK_NOT_FOUND` above the head, storage).
    static func stored(height: UInt64, chain: Chain, transactions: Bool) async throws(ChainError) -> BlockFeed {
        var feed = BlockFeed(height: height, committedAt: nil, block: try await chain.block(height: height))
        if transactions {
            let rows = try await chain.storage { try await chain.store.transactions(height: height) }
            feed.transactions = rows.map { Transaction(Chain.includedView($0)) }
        }
        return feed
    }

    /// Compact JSON, as `Response.json` writes a REST body.
    static func encode(_ value: JSONValue) -> [UInt8] {
        (try? JSONSerializer().serialize(value)) ?? Array("null".utf8)
    }

    /// `{"subscription","topic","height","data"}` around already encoded `data`: the envelope
    /// `ChainSubscriptionFrame.json` writes, without encoding the body again per subscriber.
    static func envelope(subscription: String, topic: ChainSubscriptionTopic, height: UInt64, data: [UInt8]) -> WebSocketPreparedMessage {
        var bytes = Array("{\"subscription\":".utf8)
        bytes += encode(.string(subscription))
        bytes += Array(",\"topic\":\"\(topic.rawValue)\",\"height\":\(height),\"data\":".utf8)
        bytes += data
        bytes.append(UInt8(ascii: "}"))
        return WebSocketPreparedMessage(.text(String(decoding: bytes, as: UTF8.self)))
    }

    /// A whole message (reply or error) as a frame.
    static func message(_ message: some WireMessage) -> WebSocketPreparedMessage {
        WebSocketPreparedMessage(.text(message.text))
    }
}
