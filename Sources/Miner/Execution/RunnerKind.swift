import JSON

/// The built-in job kinds (spec/miner.md §1 "Target") and how a payload selects one (§7).
enum RunnerKind: String, CaseIterable, Sendable {
    case echo
    case sha256
    case sleep
    case cli
    case ollamaGenerate = "ollama.generate"

    /// `payload.type`, else `payload.runner.kind`; absent → `echo`, or `ollama.generate` when
    /// the payload has `model` and `prompt` (the later reference's rule for inference jobs).
    /// - Throws: `.unsupported` for a type no runner handles.
    static func select(for payload: JSONValue) throws(ExecutionFailure) -> RunnerKind {
        let declared = payload["type"] ?? payload["runner"]?["kind"]
        guard let declared, !declared.isNull else {
            return payload["model"] != nil && payload["prompt"] != nil ? .ollamaGenerate : .echo
        }
        guard let name = declared.stringValue else { throw .unsupported("job type must be a string") }
        switch name {
        case "echo", "noop": return .echo
        case "inference": return .ollamaGenerate
        default:
            guard let kind = RunnerKind(rawValue: name) else { throw .unsupported("Unsupported job type '\(name.prefix(64))'") }
            return kind
        }
    }

    /// `payload.timeout_s` (default `fallback`) clamped to 1...`maximum`.
    static func timeoutSeconds(for payload: JSONValue, fallback: Int, maximum: Int) -> Int {
        let upper = max(1, maximum)
        let requested: Int
        if let integer = payload["timeout_s"]?.integerValue {
            requested = integer.intValue ?? (integer.isNegative ? 1 : upper)
        } else if let double = payload["timeout_s"]?.doubleValue, double.isFinite {
            requested = double >= Double(upper) ? upper : Int(double.rounded(.up))
        } else {
            requested = fallback
        }
        return min(max(requested, 1), upper)
    }

    /// Whether the payload asks for URL inputs (`payload.input.urls`), which this miner never
    /// downloads: fetching is off by default (spec §7) and no host allowlist exists yet.
    static func requestsURLInputs(_ payload: JSONValue) -> Bool {
        guard let urls = payload["input"]?["urls"] else { return false }
        return !(urls.arrayValue?.isEmpty ?? urls.isNull)
    }

    /// Inline input text: `payload.input` as a string, or `payload.input.inline.text`.
    static func inlineInput(of payload: JSONValue) -> String? {
        payload["input"]?.stringValue ?? payload["input"]?["inline"]?["text"]?.stringValue
    }
}
