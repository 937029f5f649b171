public import JSON

/// The kind of work a job payload asks for (spec/miner.md §7), decided by one rule for the
/// miner, which picks its runner by it, and the coordinator, which decides by it what a
/// completion may bill (issue 10: the unit type comes from a fixed list per job type).
public enum JobKind: String, CaseIterable, Sendable {
    case echo
    case sha256
    case sleep
    case cli
    case ollamaGenerate = "ollama.generate"

    /// Why a payload names no kind this version knows.
    public enum SelectionError: Error, Equatable, Sendable {
        /// `type` (or `runner.kind`) is not a string.
        case notAString
        /// A type no runner handles; carries the first 64 characters of the name.
        case unsupported(String)
    }

    /// `payload.type`, else `payload.runner.kind`; absent → `echo`, or `ollama.generate` when
    /// the payload has `model` and `prompt` (the later reference's rule for inference jobs).
    /// `noop` is `echo`, `inference` is `ollama.generate`.
    /// - Throws: `JobKind.SelectionError`.
    public static func select(for payload: JSONValue) throws(SelectionError) -> JobKind {
        let declared = payload["type"] ?? payload["runner"]?["kind"]
        guard let declared, !declared.isNull else {
            return payload["model"] != nil && payload["prompt"] != nil ? .ollamaGenerate : .echo
        }
        guard let name = declared.stringValue else { throw .notAString }
        switch name {
        case "echo", "noop": return .echo
        case "inference": return .ollamaGenerate
        default:
            guard let kind = JobKind(rawValue: name) else { throw .unsupported(String(name.prefix(64))) }
            return kind
        }
    }

    /// The unit types a completion of this kind may bill. Time-metered kinds bill seconds of
    /// one device; inference bills generated tokens.
    public var billableUnitTypes: [BillingUnitType] {
        switch self {
        case .echo, .sha256, .sleep, .cli: [.gpuSeconds, .cpuSeconds]
        case .ollamaGenerate: [.tokenOps]
        }
    }

    /// The run time a payload declares: `payload.timeout_s` (an integer, or a number rounded
    /// up; default `fallback`) clamped to 1...`maximum`. The miner stops a job at it; the
    /// coordinator bills no more time than it (issue 10).
    public static func timeLimitSeconds(of payload: JSONValue, fallback: Int, maximum: Int) -> Int {
        let upper = max(1, maximum)
        let requested: Int
        if let integer = payload["timeout_s"]?.integerValue {
            requested = integer.intValue ?? (integer.isNegative ? 1 : upper)
        } else if let double = payload["timeout_s"]?.doubleValue, double.isFinite {
            // Clamped before the conversion: `Int(_:)` traps outside Int's range (a client's
            // `timeout_s: -1e300` took down every miner that polled it, and the coordinator).
            requested = double >= Double(upper) ? upper : (double <= 1 ? 1 : Int(double.rounded(.up)))
        } else {
            requested = fallback
        }
        return min(max(requested, 1), upper)
    }

    /// The generation limit an inference payload declares: `options.num_predict`, the option
    /// Ollama itself enforces. Nil when absent or not a positive integer (−1 means "no limit"
    /// to Ollama, which is no declared limit).
    public static func declaredTokenLimit(of payload: JSONValue) -> Int? {
        guard let value = payload["options"]?["num_predict"], let integer = value.integerValue?.intValue, integer > 0 else {
            return nil
        }
        return integer
    }
}

/// A unit a receipt may bill (spec/receipts.md §1 `unit_type`). Exact lowercase spellings:
/// `GPU_SECONDS` or `gpu_hours` are not units of this protocol.
public enum BillingUnitType: String, CaseIterable, Sendable {
    /// Wall seconds × the GPUs the job was assigned.
    case gpuSeconds = "gpu_seconds"
    /// CPU seconds, at most the wall seconds of the job's one assigned core.
    case cpuSeconds = "cpu_seconds"
    /// Tokens generated, at most the job's declared limit.
    case tokenOps = "token_ops"

    /// Whether the unit is measured in seconds of wall time.
    public var isTimeBased: Bool { self != .tokenOps }
}
