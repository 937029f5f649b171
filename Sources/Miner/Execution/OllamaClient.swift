import HTTP1
import HTTPClient
import JSON

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
        let result: Result<HTTPClientResponse, HTTPClientError>
        do {
            result = .success(try await client.execute(request))
        } catch {
            result = .failure(error)
        }
        await client.shutdown()
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
