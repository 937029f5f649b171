public import JSON
public import WireModels

/// What a completion bills, decided by the coordinator from facts it controls (issue 10;
/// the rule is written down in protocols/receipts/billing.md):
///
/// - the unit type must be one the job's kind bills (`JobKind.billableUnitTypes`), spelled
///   exactly; `gpu_seconds` only for a job assigned a GPU;
/// - units are capped by what the coordinator observed: time units at the wall time from
///   assignment to result, at most the job's declared time limit plus a grace, × the devices
///   assigned (GPUs for `gpu_seconds`, one core for `cpu_seconds`); `token_ops` at the job's
///   declared `options.num_predict` (else `DEFAULT_JOB_TOKEN_LIMIT`) and at the wall time ×
///   `MAX_TOKENS_PER_SECOND`. A report above the cap is billed at the cap and counted;
/// - the price per unit is the one fixed at assignment from the miner's registration (and a
///   job with `max_price` is only assigned to miners at or under it); a price in the result
///   is recorded, never billed;
/// - non-numeric, non-finite, negative or out-of-range figures (above `maxReportedUnits`)
///   are refused (422) before anything is stored.
///
/// The receipt carries the billed figures at the top level and the miner's reported ones,
/// the cap and its inputs in `metadata.billing`.
public struct Billing: Sendable, Equatable {
    /// Billed units (the minting basis).
    public var units: Double
    /// Billed unit type.
    public var unitType: BillingUnitType
    /// Price per unit fixed at assignment; nil when the miner registered none.
    public var price: Double?
    /// The most `units` could be.
    public var unitsCap: Double
    /// What the miner reported (nil members: not reported).
    public var reportedUnits: Double?
    public var reportedUnitType: String?
    public var reportedPrice: Double?
    /// The observed facts the cap came from.
    public var facts: Facts

    /// Largest figure a report may carry at all; anything above is not a measurement.
    public static let maxReportedUnits = 1e12

    /// What the coordinator itself knows about a completion.
    public struct Facts: Sendable, Equatable {
        /// The payload's kind; nil when it names none this version knows (time units only).
        public var kind: JobKind?
        /// Assignment → result, by the coordinator's clock.
        public var wallMilliseconds: Int64
        /// GPUs the job was assigned (0 or 1: a miner runs a job on one GPU).
        public var assignedGPUs: Int
        /// Price per unit fixed at assignment.
        public var unitPrice: Double?
        /// Tokens an inference job may bill.
        public var tokenLimit: Int
        /// Longest run time billable: the job's declared time limit plus the grace for the
        /// miner's kill and report (a miner that holds a result back bills no more than this).
        public var timeLimitMilliseconds: Int64
        /// Fastest generation credited: `token_ops` are at most wall seconds × this.
        public var maxTokensPerSecond: Int

        /// Creates the facts.
        public init(
            kind: JobKind?, wallMilliseconds: Int64, assignedGPUs: Int, unitPrice: Double?, tokenLimit: Int,
            timeLimitMilliseconds: Int64 = .max, maxTokensPerSecond: Int = .max
        ) {
            self.kind = kind
            self.wallMilliseconds = wallMilliseconds
            self.assignedGPUs = assignedGPUs
            self.unitPrice = unitPrice
            self.tokenLimit = tokenLimit
            self.timeLimitMilliseconds = timeLimitMilliseconds
            self.maxTokensPerSecond = maxTokensPerSecond
        }

        /// The billable run time: the observed wall time, at most the time limit.
        public var billableMilliseconds: Int64 { min(max(0, wallMilliseconds), max(0, timeLimitMilliseconds)) }
    }

    /// Why a report was refused; `field` names the member (`units`, `unit_type`, `price`).
    public struct Rejection: Error, Equatable, Sendable {
        public var field: String
        public var reason: String

        /// The 422 the edge answers.
        public var error: CoordinatorError { .invalidPayload("\(field): \(reason)") }
    }

    /// Whether the report asked for more than the cap.
    public var wasCapped: Bool { (reportedUnits ?? 0) > unitsCap }

    /// Decides the billing of a completion whose miner sent `result` and `metrics`
    /// (`metrics` first, then `result`, for each figure, as spec/coordinator.md §9 reads them).
    /// - Throws: `Billing.Rejection`.
    public static func decide(result: JSONValue, metrics: JSONValue, facts: Facts) throws(Rejection) -> Billing {
        func reported(_ key: String) -> JSONValue? {
            for source in [metrics, result] {
                if let value = source[key], !value.isNull { return value }
            }
            return nil
        }
        let allowed = facts.kind?.billableUnitTypes ?? [.gpuSeconds, .cpuSeconds]
        var reportedUnitType: String?
        let unitType: BillingUnitType
        if let value = reported("unit_type") {
            guard let text = value.stringValue, (1...64).contains(text.utf8.count) else {
                throw Rejection(field: "unit_type", reason: "must be a string of 1...64 bytes")
            }
            reportedUnitType = text
            guard let known = BillingUnitType(rawValue: text), allowed.contains(known) else {
                let kind = facts.kind?.rawValue ?? "unknown"
                throw Rejection(
                    field: "unit_type",
                    reason: "'\(text.prefix(64))' is not billable for job type \(kind) (allowed: \(allowed.map(\.rawValue).joined(separator: ", ")))")
            }
            unitType = known
        } else if allowed.contains(.tokenOps) {
            unitType = .tokenOps
        } else {
            unitType = facts.assignedGPUs > 0 ? .gpuSeconds : .cpuSeconds
        }
        if unitType == .gpuSeconds && facts.assignedGPUs == 0 {
            throw Rejection(field: "unit_type", reason: "gpu_seconds: the job was assigned to a miner without a GPU")
        }
        let reportedUnits = try number(reported("units"), field: "units")
        let reportedPrice = try number(reported("price"), field: "price")
        let billableSeconds = Double(facts.billableMilliseconds) / 1_000
        let cap: Double
        switch unitType {
        case .gpuSeconds: cap = billableSeconds * Double(facts.assignedGPUs)
        case .cpuSeconds: cap = billableSeconds
        case .tokenOps:
            // Tokens take time to generate: at most the declared limit, and at most what the
            // fastest credited generation makes in the observed time.
            let wallSeconds = Double(max(0, facts.wallMilliseconds)) / 1_000
            cap = min(Double(facts.tokenLimit), (wallSeconds * Double(facts.maxTokensPerSecond)).rounded(.up))
        }
        // Nothing reported: time is billed as observed, tokens not at all.
        let units = min(reportedUnits ?? (unitType.isTimeBased ? cap : 0), cap)
        return Billing(
            units: units, unitType: unitType, price: facts.unitPrice, unitsCap: cap, reportedUnits: reportedUnits,
            reportedUnitType: reportedUnitType, reportedPrice: reportedPrice, facts: facts)
    }

    /// A reported figure: absent, or a finite number in 0...`maxReportedUnits`.
    private static func number(_ value: JSONValue?, field: String) throws(Rejection) -> Double? {
        guard let value else { return nil }
        guard let number = value.doubleValue, number.isFinite else {
            throw Rejection(field: field, reason: "must be a finite number")
        }
        guard number >= 0 else { throw Rejection(field: field, reason: "must be >= 0") }
        guard number <= maxReportedUnits else {
            throw Rejection(field: field, reason: "out of range (at most 1e12)")
        }
        // -0.0 passes `>= 0`; it is recorded as 0.0 so no receipt carries a negative zero.
        return number == 0 ? 0 : number
    }

    /// `metadata.billing` of the receipt: the rule's inputs and the miner's own figures.
    public var json: JSONValue {
        var reported: [JSONMember] = []
        if let reportedUnits { reported.append(JSONMember(key: "units", value: .float(reportedUnits))) }
        if let reportedUnitType { reported.append(JSONMember(key: "unit_type", value: .string(reportedUnitType))) }
        if let reportedPrice { reported.append(JSONMember(key: "price", value: .float(reportedPrice))) }
        var members: [JSONMember] = [
            JSONMember(key: "rule", value: "aitbc-billing-1"),
            JSONMember(key: "reported", value: .object(reported)),
            JSONMember(key: "units_cap", value: .float(unitsCap)),
            JSONMember(key: "capped", value: .bool(wasCapped)),
            JSONMember(key: "wall_ms", value: .integer(JSONInteger(max(0, facts.wallMilliseconds)))),
            JSONMember(key: "billable_ms", value: .integer(JSONInteger(facts.billableMilliseconds))),
            JSONMember(key: "assigned_gpus", value: .integer(JSONInteger(facts.assignedGPUs))),
        ]
        if unitType == .tokenOps { members.append(JSONMember(key: "token_limit", value: .integer(JSONInteger(facts.tokenLimit)))) }
        if let price {
            members.append(JSONMember(key: "unit_price", value: .float(price)))
            // What the client owes for this job: billed units × the price per unit.
            members.append(JSONMember(key: "amount", value: .float(units * price)))
        }
        return .object(members)
    }
}
