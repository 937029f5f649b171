import Metrics

/// The reference's per-RPC series (spec/chain-node.md §11), kept by name so existing
/// dashboards work: `rpc_<name>_total`, `rpc_<name>_success_total`, `rpc_<name>_not_found_total`,
/// `rpc_<name>_failed_total` and the `rpc_<name>_duration_seconds` histogram. Made once per
/// name; recording is a handler call.
final class RPCMetrics: Sendable {
    enum Name: String, CaseIterable, Sendable {
        case getHead = "get_head", getBlock = "get_block", getTransaction = "get_transaction", getReceipt = "get_receipt"
        case getBalance = "get_balance", sendTx = "send_tx", sendTxs = "send_txs", submitReceipt = "submit_receipt"
        case estimateFee = "estimate_fee", mintFaucet = "mint_faucet", getBlocksRange = "get_blocks_range"
    }

    struct Series: Sendable {
        let calls: Counter
        let succeeded: Counter
        let notFound: Counter
        let failed: Counter
        let duration: Timer
    }

    private let all: [Name: Series]

    init(factory: any MetricsFactory = MetricsSystem.factory) {
        var all: [Name: Series] = [:]
        for name in Name.allCases {
            let prefix = "rpc_\(name.rawValue)"
            all[name] = Series(
                calls: Counter(label: "\(prefix)_total", factory: factory),
                succeeded: Counter(label: "\(prefix)_success_total", factory: factory),
                notFound: Counter(label: "\(prefix)_not_found_total", factory: factory),
                failed: Counter(label: "\(prefix)_failed_total", factory: factory),
                duration: Timer(label: "\(prefix)_duration_seconds", factory: factory))
        }
        self.all = all
    }

    func series(_ name: Name) -> Series {
        // Every case is made in init.
        all[name] ?? Series(
            calls: Counter(label: "rpc_unknown_total"), succeeded: Counter(label: "rpc_unknown_success_total"),
            notFound: Counter(label: "rpc_unknown_not_found_total"), failed: Counter(label: "rpc_unknown_failed_total"),
            duration: Timer(label: "rpc_unknown_duration_seconds"))
    }
}
