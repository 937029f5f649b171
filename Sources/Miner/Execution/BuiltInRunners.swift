import Cryptography
import JSON
import WireModels

/// The in-process runners: `sha256`, `sleep` and `ollama.generate` (`echo` is one line in the executor).
enum BuiltInRunners {
    /// `{"sha256": hex, "bytes": n}` of the inline input's UTF-8 bytes.
    /// - Throws: `.runtime` when the payload has no inline input.
    static func sha256(_ payload: JSONValue) throws(ExecutionFailure) -> JSONValue {
        guard let text = RunnerKind.inlineInput(of: payload) else { throw .runtime("sha256 needs payload.input text") }
        let bytes = Array(text.utf8)
        return ["sha256": .string(Hex.encode(SHA256.hash(bytes))), "bytes": .integer(JSONInteger(bytes.count))]
    }

    /// Sleeps `payload.seconds` (default 1); a test aid. Past the timeout → `.timedOut`.
    /// - Throws: `.timedOut`, or `.shutdown` when the task is cancelled.
    static func sleep(_ payload: JSONValue, timeoutSeconds: Int) async throws(ExecutionFailure) -> JSONValue {
        let requested = payload["seconds"]?.doubleValue ?? 1
        guard requested.isFinite, requested >= 0 else { throw .runtime("payload.seconds must be a non-negative number") }
        let capped = min(requested, Double(timeoutSeconds))
        do {
            try await Task.sleep(for: .milliseconds(Int64((capped * 1000).rounded())))
        } catch {
            throw .shutdown
        }
        if requested > Double(timeoutSeconds) { throw .timedOut(seconds: timeoutSeconds) }
        return ["slept_s": payload["seconds"] ?? 1]
    }

    /// `ollama.generate`: the model must be installed (never substituted, spec §12).
    /// - Throws: `.modelUnavailable`, `.runtime`, `.shutdown`.
    static func generate(
        _ payload: JSONValue, client: OllamaClient, timeoutSeconds: Int, metering: inout Metering
    ) async throws(ExecutionFailure) -> JSONValue {
        guard let model = payload["model"]?.stringValue, !model.isEmpty else { throw .runtime("payload.model is required") }
        guard let prompt = payload["prompt"]?.stringValue else { throw .runtime("payload.prompt is required") }
        let installed = try await client.installedModels()
        guard installed.contains(model) else {
            throw .modelUnavailable("model '\(model.prefix(128))' is not installed on this miner")
        }
        if Task.isCancelled { throw .shutdown }
        let generation = try await client.generate(
            model: model, prompt: prompt, options: payload["options"], timeout: .seconds(timeoutSeconds))
        if Task.isCancelled { throw .shutdown }
        metering.tokens = generation.evalCount
        return [
            "output": .string(generation.response), "model": .string(model),
            "tokens_processed": .integer(JSONInteger(generation.evalCount)),
        ]
    }
}
