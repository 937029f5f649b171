import AITBCClient
import Cryptography
import JSON
import Logging

extension MinerAgent {
    /// The claimer `chain.url` asks for, sending from `key`'s account and keeping its claims
    /// under `<workspaceRoot>/claims`; nil when `chain.url` is unset, or when there is no key
    /// (configuration refuses `chain.url` without `key_file`; this warns for the in-process case).
    static func makeClaimer(configuration: MinerConfiguration, key: Ed25519.PrivateKey?, workspaceRoot: String, logger: Logger) -> ReceiptClaimer? {
        guard let url = configuration.chainURL else { return nil }
        guard let key else {
            logger.warning("receipt_claims_off", metadata: ["reason": "chain.url is set but no key signs claims (key_file)"])
            return nil
        }
        if let wallet = configuration.walletAddress, wallet != key.publicKey.address {
            // The chain mints to the payout address but charges the fee to the sender.
            logger.warning(
                "receipt_claims_need_fees",
                metadata: [
                    "account": "\(key.publicKey.address)",
                    "reason": "wallet_address receives the AIT while claims are sent and paid from the key's account; keep it funded",
                ])
        }
        // The SDK does not retry (maxRetries 0): the claimer backs off per round itself.
        let chain = ChainClient(
            configuration: ChainConfiguration(
                baseURL: url, chainID: configuration.chainID, timeout: configuration.coordinatorTimeout,
                connectTimeout: min(configuration.coordinatorTimeout, .seconds(5)), maxRetries: 0))
        return ReceiptClaimer(
            chain: chain, key: key, store: ReceiptClaimStore(workspaceRoot: workspaceRoot), backoff: configuration.backoff,
            pollInterval: configuration.chainPollInterval, logger: logger)
    }

    /// Hands the receipt of an accepted result (`{"status":"ok","receipt":{…}}`, the same for an
    /// exact replay) to the claimer, which has it on disk when this returns. A coordinator
    /// that signs no receipts answers `receipt: null`: nothing to claim.
    func recordReceipt(of reply: CoordinatorReply, report: PendingReport, jobID: String) async {
        guard let claimer, report.kind == .result, case .ok(let body?) = reply, let receipt = body["receipt"], case .object = receipt else {
            return
        }
        await claimer.record(receipt: receipt, jobID: jobID)
    }
}
