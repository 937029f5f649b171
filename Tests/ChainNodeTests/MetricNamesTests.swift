import ChainNode
import Coordinator
import Cryptography
import Foundation
import HTTPClient
import Logging
import TestSupport
import Testing
import WireModels
import Yams

/// The alert rules and the Grafana dashboard read only series the services export: a renamed
/// metric would otherwise leave an alert that can never fire (the reference's stall alert) or an
/// empty panel, and nothing would say so. Names come from configs/prometheus and
/// configs/grafana; the series from a live chain node's and a live coordinator's `/metrics`.
@Suite struct MetricNamesTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Series the rules and dashboard read that the network work (issue 14: H1 WebSocket, H2 P2P
    /// and sync, H3 authorities and fork choice) adds. The merge of each part empties its
    /// entry; `pendingNamesAreNotExportedYet` fails once a name here is exported, so the list
    /// cannot outlive the work.
    static let pending: [String: Set<String>] = [:]
    static var allPending: Set<String> { pending.values.reduce(into: Set()) { $0.formUnion($1) } }

    static func read(_ path: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
    }

    /// The names each service must export: the chain node's from its rule file and the
    /// dashboard, the coordinator's from its rule file; names recorded by a rule are checked
    /// against the rule files instead.
    static func expectedNames() throws -> (chain: Set<String>, coordinator: Set<String>, unrecorded: Set<String>) {
        let chainRules = try PromQLMetricNames.rules(read("configs/prometheus/rules/chain-node.rules.yml"))
        let coordinatorRules = try PromQLMetricNames.rules(read("configs/prometheus/rules/coordinator.rules.yml"))
        let dashboard = try PromQLMetricNames.dashboardExpressions(Array(read("configs/grafana/aitbc-chain.json").utf8))
        let recorded = chainRules.recorded.union(coordinatorRules.recorded)
        func names(_ expressions: [String]) -> Set<String> {
            expressions.reduce(into: Set()) { $0.formUnion(PromQLMetricNames.names(in: $1)) }
        }
        let chain = names(chainRules.expressions + dashboard)
        let coordinator = names(coordinatorRules.expressions)
        let used = chain.union(coordinator)
        return (
            chain.filter { !$0.contains(":") }, coordinator.filter { !$0.contains(":") },
            used.filter { $0.contains(":") }.subtracting(recorded)
        )
    }

    /// A chain node that has made a block, refused a transaction and a block, and answered RPCs
    /// (labelled series exist only once recorded), and a coordinator (its labelled series are
    /// made at init); both scraped.
    static func scrape() async throws -> (chain: Set<String>, coordinator: Set<String>) {
        let node = try await LiveChainNode.start()
        let produced = try await node.service.chain.produceBlock(timeMilliseconds: 1_800_000_002_000)
        // The same block again: refused (the head is already at its height), blocks_rejected_total{reason}.
        _ = try? await node.service.chain.importBlock(header: produced.block.header, signature: produced.block.signature, transactions: [])
        // Another chain's transaction: chain_transactions_rejected_total{reason}.
        let foreign = try node.fixture.transfer(
            from: node.fixture.faucet, to: ChainFixture.address(node.fixture.coordinator), amount: 1, nonce: 1, chainID: "ait-other")
        #expect(try await node.post("/rpc/sendTx", foreign.json).0 != 200)
        #expect(try await node.get("/rpc/head").0 == 200)
        let chainText = try await node.client.get(node.base + "/metrics")
        await node.stop()

        let directory = try TemporaryDirectory(prefix: "metric-names")
        var configuration = CoordinatorConfiguration()
        configuration.port = 0
        configuration.databasePath = directory.path("coordinator.db")
        configuration.dataDirectory = directory.path("data")
        configuration.signingKey = Ed25519.PrivateKey.generate()
        let coordinator = try await CoordinatorService.open(configuration: configuration, logger: Logger(label: "metric-names") { _ in SwiftLogNoOpLogHandler() })
        try await coordinator.start()
        let client = HTTPClient()
        let coordinatorText = try await client.get("http://127.0.0.1:\(coordinator.port ?? 0)/metrics")
        await client.shutdown()
        await coordinator.shutdown()
        return (
            PromQLMetricNames.exposition(String(decoding: chainText.body, as: UTF8.self)).samples,
            PromQLMetricNames.exposition(String(decoding: coordinatorText.body, as: UTF8.self)).samples
        )
    }

    @Test func everySeriesTheRulesAndTheDashboardReadIsExported() async throws {
        let expected = try Self.expectedNames()
        #expect(expected.chain.count > 40 && expected.coordinator.count >= 3)
        #expect(expected.unrecorded.isEmpty, "recording-rule names used but never recorded: \(expected.unrecorded.sorted())")
        let exported = try await Self.scrape()
        let chainMissing = expected.chain.subtracting(exported.chain).subtracting(Self.allPending)
        let coordinatorMissing = expected.coordinator.subtracting(exported.coordinator).subtracting(Self.allPending)
        #expect(chainMissing.isEmpty, "the chain node does not export \(chainMissing.sorted())")
        #expect(coordinatorMissing.isEmpty, "the coordinator does not export \(coordinatorMissing.sorted())")
        // The list holds only names the assets use.
        let unused = Self.allPending.subtracting(expected.chain).subtracting(expected.coordinator)
        #expect(unused.isEmpty, "pending names no rule or panel reads: \(unused.sorted())")
    }

    @Test func pendingNamesAreNotExportedYet() async throws {
        let exported = try await Self.scrape()
        for (part, names) in Self.pending.sorted(by: { $0.key < $1.key }) {
            let landed = names.intersection(exported.chain)
            #expect(landed.isEmpty, "\(part) exports \(landed.sorted()) now: remove them from MetricNamesTests.pending")
        }
    }

    /// Each alert has a promtool case where it fires and one where it stays quiet.
    @Test func everyAlertHasAFiringAndAQuietPromtoolCase() throws {
        for (rules, tests) in [
            ("configs/prometheus/rules/chain-node.rules.yml", "configs/prometheus/tests/chain-node.test.yml"),
            ("configs/prometheus/rules/coordinator.rules.yml", "configs/prometheus/tests/coordinator.test.yml"),
        ] {
            let alerts = try PromQLMetricNames.rules(Self.read(rules)).alerts
            #expect(!alerts.isEmpty)
            let document = try Yams.load(yaml: Self.read(tests)) as? [String: Any]
            let cases = (document?["tests"] as? [[String: Any]] ?? []).flatMap { $0["alert_rule_test"] as? [[String: Any]] ?? [] }
            for alert in alerts.sorted() {
                let mine = cases.filter { $0["alertname"] as? String == alert }
                let firing = mine.contains { !($0["exp_alerts"] as? [Any] ?? []).isEmpty }
                let quiet = mine.contains { ($0["exp_alerts"] as? [Any] ?? []).isEmpty }
                #expect(firing && quiet, "\(tests): \(alert) needs a case that fires and one that does not")
            }
        }
    }

    @Test func namesAreTheIdentifiersThatSelectSeries() {
        let names = PromQLMetricNames.names(
            in: #"histogram_quantile(0.95, sum by (job, le) (rate(rpc_get_head_duration_seconds_bucket{route="/rpc/head", x=~"a|b"}[$__rate_interval])))"#
                + #" / on (instance) group_left (node) max without (proposer) (chain_head_height offset 5m) > bool 1e3"#
                + " or time() - chain_head_timestamp_seconds > 30 unless up == 0 and job:chain_head_height:max")
        #expect(names == ["rpc_get_head_duration_seconds_bucket", "chain_head_height", "chain_head_timestamp_seconds", "job:chain_head_height:max"])
        let exposition = PromQLMetricNames.exposition("# TYPE a counter\na 1\n# TYPE h histogram\nh_bucket{le=\"+Inf\"} 0\nh_sum 0\nh_count 0\n")
        #expect(exposition.samples == ["a", "h_bucket", "h_sum", "h_count"] && exposition.types["h"] == "histogram")
    }
}
