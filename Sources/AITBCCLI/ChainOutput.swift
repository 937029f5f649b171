import AITBCClient
import JSON
import WireModels

/// What the `aitbc chain` commands print: a node's answer as `name value` lines for people
/// (every cell escaped by `TextTable`), or with `--json` as one line of its wire encoding.
enum ChainOutput {
    /// The members of a head, in wire order.
    static let headFields = ["height", "hash", "timestamp", "tx_count"]
    /// The members of a block header shown (its transactions follow, one `tx` line each).
    static let blockFields = [
        "height", "hash", "parent_hash", "timestamp", "proposer", "tx_count", "tx_root", "state_root", "receipts_root",
    ]
    /// The members of an account.
    static let accountFields = ["address", "balance", "nonce", "next_nonce", "updated_at"]
    /// The members of a transaction view shown (its payload is summed up by `amount` or `receipt_id`).
    static let transactionFields = ["tx_hash", "status", "block_height", "type", "sender", "recipient", "nonce", "fee", "created_at"]

    /// `value` as `fields` lines, or one line of JSON.
    static func print(_ value: JSONValue, fields: [String], json: Bool) {
        if json {
            CommandIO.printOut(WireText.compact(value))
        } else {
            for line in WireText.fields(value, fields) { CommandIO.printOut(line) }
        }
    }

    /// A block: its header lines and one `tx` line per transaction, or one line of JSON.
    static func print(_ block: BlockView, json: Bool) {
        if json { return CommandIO.printOut(WireText.compact(block.json)) }
        let value = block.json
        let pairs = blockFields.map { ($0, WireText.cell(value[$0])) } + block.txs.map { ("tx", $0.rawValue) }
        for line in TextTable.fields(pairs) { CommandIO.printOut(line) }
    }

    /// A transaction view, with the transfer's `amount` or the claim's `receipt_id`.
    static func print(_ view: TxView, json: Bool) {
        if json { return CommandIO.printOut(WireText.compact(view.json)) }
        let value = view.json
        var pairs = transactionFields.map { ($0, WireText.cell(value[$0])) }
        switch view.type {
        case .transfer: pairs.append(("amount", WireText.cell(view.payload["amount"])))
        case .receiptClaim: pairs.append(("receipt_id", WireText.cell(view.payload["receipt"]?["receipt_id"])))
        }
        for line in TextTable.fields(pairs) { CommandIO.printOut(line) }
    }

    /// After a send: the node's answer and what was signed, or with `wait` the transaction
    /// once it is in a block.
    /// - Throws: `ServiceFailure` (exit 1) when it is not included within the timeout.
    static func sent(
        _ transaction: TransactionMessage, _ answer: SendTxResponse, session: ChainSession, waiting: ChainWaitOptions, json: Bool,
        subject: String
    ) async throws(ServiceFailure) -> ServiceExit {
        if waiting.wait {
            let view = try await session.call(subject) { () async throws(AITBCError) in
                try await session.client.waitForInclusion(answer.txHash, timeout: .seconds(waiting.timeout))
            }
            print(view, json: json)
            return .ok
        }
        if json {
            CommandIO.printOut(WireText.compact(answer.json))
        } else {
            let lines = TextTable.fields([
                ("tx_hash", answer.txHash.rawValue), ("status", answer.status.rawValue), ("sender", transaction.sender.rawValue),
                ("nonce", String(transaction.nonce)), ("fee", String(transaction.fee)),
            ])
            for line in lines { CommandIO.printOut(line) }
        }
        return .ok
    }
}
