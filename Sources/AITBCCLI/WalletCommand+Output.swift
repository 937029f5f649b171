import AITBCClient
import JSON
import TerminalText
import WireModels

/// What the `aitbc wallet` commands print: the daemon's answer as `name value` lines or a
/// table for people (every cell escaped by `TextTable`), or with `--json` one line of its wire
/// encoding.
enum WalletOutput {
    /// Members of an unlock or lock answer.
    static let unlockFields = ["wallet_id", "unlocked", "expires_at"]
    /// Members of an account.
    static let accountFields = ["account_id", "wallet_id", "path", "address", "public_key"]
    /// Members of a balance.
    static let balanceFields = ["account_id", "address", "balance", "nonce", "next_nonce", "pending", "ledger"]
    /// Members of a transfer.
    static let transferFields = ["tx_hash", "status", "from", "to", "amount", "fee", "nonce", "memo", "block_height", "created_at", "ledger"]

    /// `value` as `fields` lines, or one line of JSON.
    static func print(_ value: JSONValue, fields: [String], json: Bool) {
        if json {
            CommandIO.printOut(WireText.compact(value))
        } else {
            for line in WireText.fields(value, fields) { CommandIO.printOut(line) }
        }
    }

    /// `page["items"]` as a table, or the page as one line of JSON.
    static func table(_ page: JSONValue, columns: [String], json: Bool) {
        if json { return CommandIO.printOut(WireText.compact(page)) }
        for line in WireText.table(page["items"]?.arrayValue ?? [], columns: columns) { CommandIO.printOut(line) }
    }

    /// A created or restored wallet; a generated mnemonic is printed once, with a warning on
    /// stderr (which is not where scripts capture the answer).
    static func created(_ created: WalletCreateResponse, json: Bool) {
        if json { return CommandIO.printOut(WireText.compact(created.json)) }
        let wallet = created.wallet.json
        for line in WireText.fields(wallet, ["wallet_id", "kind", "public_key", "address"]) { CommandIO.printOut(line) }
        if let mnemonic = created.mnemonic {
            CommandIO.printOut(TextTable.fields([("mnemonic", mnemonic)]).joined(separator: "\n"))
            CommandIO.printError("note: write the mnemonic down now and keep it offline; the daemon does not store it and will not show it again")
        }
    }

    /// On stderr, when an answer comes from the offline ledger: it is not the chain's.
    static func offlineNote(ledger: String?, json: Bool) {
        guard ledger == "offline", !json else { return }
        CommandIO.printError("note: offline ledger (LEDGER=offline): local bookkeeping only, nothing moved on any chain")
    }

    /// A receipt verdict: the receipt, then one line per signature.
    static func print(_ verification: WalletReceiptVerification) {
        var pairs: [(String, String)] = [
            ("job_id", verification.jobID), ("receipt_id", verification.receiptID.isEmpty ? "-" : verification.receiptID),
            ("all_valid", String(verification.allValid)),
        ]
        if let claimed = verification.claimedOnChain { pairs.append(("claimed_on_chain", String(claimed))) }
        for line in TextTable.fields(pairs) { CommandIO.printOut(line) }
        var table = TextTable(headers: ["SIGNATURE", "KEY_ID", "ALG", "VALID", "TRUSTED", "REASON"])
        // The wire's `miner_signature` (the reference's name) is the receipt's own signature,
        // made with the coordinator's receipt key: "miner" would read as "the miner signed".
        let signatures = [("receipt", verification.minerSignature)] + verification.coordinatorAttestations.map { ("attestation", $0) }
        for (role, signature) in signatures {
            table.append([role, signature.keyID, signature.alg, String(signature.valid), String(signature.trusted), signature.reason ?? "-"])
        }
        for line in table.lines { CommandIO.printOut(line) }
    }
}
