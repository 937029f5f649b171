import HTTP1
import HTTPClient
import JSON
import Synchronization

/// The two Ollama endpoints the `ollama.generate` runner uses, over the repository's HTTPClient.
struct OllamaClient: Sendable {
    /// Base URL without a trailing slash, e.g. `http://127.0.0.1:11434`.
    let baseURL: String

    /// Largest response accepted from Ollama.
    static let maxResponseBytes = 16 * 1024 * 1024

    /// What `/api/generate` answered.
    struct Generation: Equatable {
        var response: String
        var evalCount: Int
    }

    init(baseURL: String) {
        var trimmed = baseURL
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        self.baseURL = trimmed
    }

    /// `GET /api/tags` → `models[].name`.
    /// - Throws: `ExecutionFailure.runtime` on transport, status or format errors.
    func installedModels(timeout: Duration = .seconds(5)) async throws(ExecutionFailure) -> [String] {
        let body = try await exchange(HTTPClientRequest(method: .get, url: baseURL + "/api/tags"), timeout: timeout)
        guard let models = body["models"]?.arrayValue else { throw .runtime("ollama /api/tags: no models list") }
        return models.compactMap { $0["name"]?.stringValue }
    }

    /// `POST /api/generate` with `stream: false`.
    /// - Throws: `ExecutionFailure.runtime` on transport, status or format errors.
    func generate(model: String, prompt: String, options: JSONValue?, timeout: Duration) async throws(ExecutionFailure) -> Generation {
        var members = [
            JSONMember(key: "model", value: .string(model)), JSONMember(key: "prompt", value: .string(prompt)),
            JSONMember(key: "stream", value: .bool(false)),
        ]
        if let options { members.append(JSONMember(key: "options", value: options)) }
        let bytes: [UInt8]
        do {
            bytes = try JSONSerializer().serialize(.object(members))
        } catch {
            throw .runtime("ollama request: \(error)")
        }
        let request = HTTPClientRequest(
            method: .post, url: baseURL + "/api/generate", headers: ["Content-Type": "application/json"], body: bytes)
        let body = try await exchange(request, timeout: timeout)
        guard let response = body["response"]?.stringValue else { throw .runtime("ollama /api/generate: no response text") }
        let evalCount = body["eval_count"]?.integerValue?.intValue ?? 0
        return Generation(response: response, evalCount: max(0, evalCount))
    }

    /// One request on a client of its own, so the read timeout is this call's; parses a JSON body.
    private func exchange(_ request: HTTPClientRequest, timeout: Duration) async throws(ExecutionFailure) -> JSONValue {
        let client = HTTPClient(
            configuration: HTTPClientConfiguration(
                connectTimeout: .seconds(5), readTimeout: timeout, maxConnectionsPerHost: 1,
                maxResponseBodySize: Self.maxResponseBytes))
        // A generation may run for the job's whole time limit. The call runs in a task of its
        // own and this one waits for whichever comes first, its answer or cancellation (drain,
        // shutdown): a cancelled job returns at once and the abandoned call ends at its read
        // timeout, its client shut down then.
        let answer = OllamaAnswer()
        let call = Task {
            let result: Result<HTTPClientResponse, HTTPClientError>
            do throws(HTTPClientError) {
                result = .success(try await client.execute(request))
            } catch {
                result = .failure(error)
            }
            await client.shutdown()
            answer.deliver(.some(result))
        }
        let outcome = await withTaskCancellationHandler {
            await answer.wait()
        } onCancel: {
            answer.deliver(nil)
        }
        guard let result = outcome else {
            _ = call
            throw .shutdown
        }
        switch result {
        case .failure(let error):
            throw .runtime("ollama \(request.url): \(error)")
        case .success(let response):
            guard (200..<300).contains(response.status.code) else {
                throw .runtime("ollama \(request.url): HTTP \(response.status.code)")
            }
            do {
                return try JSONParser(limits: .init(maxInputBytes: Self.maxResponseBytes)).parse(response.body)
            } catch {
                throw .runtime("ollama \(request.url): invalid JSON: \(error)")
            }
        }
    }
}

/// The first of an Ollama call's answer and the job's cancellation (nil), delivered once.
private final class OllamaAnswer: Sendable {
    private let state = Mutex<(value: Result<HTTPClientResponse, HTTPClientError>??, waiter: CheckedContinuation<Result<HTTPClientResponse, HTTPClientError>?, Never>?)>((nil, nil))

    /// Records the outcome (first one wins) and resumes the waiter, if any.
    func deliver(_ value: Result<HTTPClientResponse, HTTPClientError>?) {
        let waiter = state.withLock { state -> CheckedContinuation<Result<HTTPClientResponse, HTTPClientError>?, Never>? in
            guard state.value == nil else { return nil }
            state.value = .some(value)
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: value)
    }

    /// The outcome, once there is one.
    func wait() async -> Result<HTTPClientResponse, HTTPClientError>? {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state -> Result<HTTPClientResponse, HTTPClientError>?? in
                if let value = state.value { return value }
                state.waiter = continuation
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }
}
