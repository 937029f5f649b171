import Metrics
import WireModels

/// Billing series (issue 10): reports refused by the billing rule, per member
/// (`aitbc_coordinator_billing_rejections_total{field}`), and reports billed at the cap
/// because they asked for more than the coordinator observed
/// (`aitbc_coordinator_billing_capped_total{unit_type}`). A miner that shows up in either
/// is misconfigured or cheating.
final class BillingMetrics: Sendable {
    private let rejections: [String: Counter]
    private let cappedByUnit: [BillingUnitType: Counter]

    /// The members a rejection can name.
    static let fields = ["units", "unit_type", "price"]

    init(factory: any MetricsFactory) {
        var rejections: [String: Counter] = [:]
        for field in Self.fields {
            rejections[field] = Counter(
                label: "aitbc_coordinator_billing_rejections_total", dimensions: [("field", field)], factory: factory)
        }
        self.rejections = rejections
        var capped: [BillingUnitType: Counter] = [:]
        for unit in BillingUnitType.allCases {
            capped[unit] = Counter(
                label: "aitbc_coordinator_billing_capped_total", dimensions: [("unit_type", unit.rawValue)], factory: factory)
        }
        cappedByUnit = capped
    }

    func rejected(field: String) { rejections[field]?.increment() }

    func capped(unitType: BillingUnitType) { cappedByUnit[unitType]?.increment() }
}
