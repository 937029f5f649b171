import JSON
import WireModels

/// The built-in job kinds (spec/miner.md §1 "Target"): the runner of each is picked by the
/// one selection rule the coordinator bills by (WireModels `JobKind`).
typealias RunnerKind = JobKind

extension JobKind {
    /// The kind `payload` selects (`JobKind.select`), as an execution failure.
    /// - Throws: `.unsupported` for a type no runner handles.
    static func runner(for payload: JSONValue) throws(ExecutionFailure) -> JobKind {
        do throws(JobKind.SelectionError) {
            return try JobKind.select(for: payload)
        } catch {
            switch error {
            case .notAString: throw .unsupported("job type must be a string")
            case .unsupported(let name): throw .unsupported("Unsupported job type '\(name)'")
            }
        }
    }

    /// `payload.timeout_s` (default `fallback`) clamped to 1...`maximum` (`JobKind.timeLimitSeconds`,
    /// the rule the coordinator bounds billed time with).
    static func timeoutSeconds(for payload: JSONValue, fallback: Int, maximum: Int) -> Int {
        JobKind.timeLimitSeconds(of: payload, fallback: fallback, maximum: maximum)
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
