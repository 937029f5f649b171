public import HTTP1
public import JSON

extension HTTPClient {
    /// `GET url`.
    /// - Throws: `HTTPClientError`.
    public func get(_ url: String, headers: HTTPHeaders = HTTPHeaders()) async throws(HTTPClientError) -> HTTPClientResponse {
        try await execute(HTTPClientRequest(method: .get, url: url, headers: headers))
    }

    /// `DELETE url`.
    /// - Throws: `HTTPClientError`.
    public func delete(_ url: String, headers: HTTPHeaders = HTTPHeaders()) async throws(HTTPClientError) -> HTTPClientResponse {
        try await execute(HTTPClientRequest(method: .delete, url: url, headers: headers))
    }

    /// `POST url` with `body` serialized as compact JSON (`Content-Type: application/json`).
    /// - Throws: `.encodingFailed` for a NaN or infinite float, or any `HTTPClientError` from `execute`.
    public func post(_ url: String, json body: JSONValue, headers: HTTPHeaders = HTTPHeaders()) async throws(HTTPClientError) -> HTTPClientResponse {
        try await execute(Self.jsonRequest(.post, url: url, body: body, headers: headers))
    }

    /// `PUT url` with `body` serialized as compact JSON.
    /// - Throws: `.encodingFailed` for a NaN or infinite float, or any `HTTPClientError` from `execute`.
    public func put(_ url: String, json body: JSONValue, headers: HTTPHeaders = HTTPHeaders()) async throws(HTTPClientError) -> HTTPClientResponse {
        try await execute(Self.jsonRequest(.put, url: url, body: body, headers: headers))
    }

    /// `POST url` with raw bytes.
    /// - Throws: `HTTPClientError`.
    public func post(_ url: String, body: [UInt8], headers: HTTPHeaders = HTTPHeaders()) async throws(HTTPClientError) -> HTTPClientResponse {
        try await execute(HTTPClientRequest(method: .post, url: url, headers: headers, body: body))
    }

    /// A request carrying `body` as JSON, with `Content-Type` and `Accept` unless `headers` set them.
    /// - Throws: `.encodingFailed` for a NaN or infinite float, which JSON cannot express.
    static func jsonRequest(
        _ method: HTTPMethod, url: String, body: JSONValue, headers: HTTPHeaders
    ) throws(HTTPClientError) -> HTTPClientRequest {
        let bytes: [UInt8]
        do {
            bytes = try JSONSerializer().serialize(body)
        } catch {
            throw .encodingFailed("\(error)")
        }
        var headers = headers
        if !headers.contains("Content-Type") { headers.add(name: "Content-Type", value: "application/json") }
        if !headers.contains("Accept") { headers.add(name: "Accept", value: "application/json") }
        return HTTPClientRequest(method: method, url: url, headers: headers, body: bytes)
    }
}
