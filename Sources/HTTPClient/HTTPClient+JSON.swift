public import Foundation
public import HTTP1

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

    /// `POST url` with `body` encoded as JSON (`Content-Type: application/json`).
    /// - Throws: `.encodingFailed`, or any `HTTPClientError` from `execute`.
    public func post<Body: Encodable>(
        _ url: String, json body: Body, headers: HTTPHeaders = HTTPHeaders(), encoder: JSONEncoder = JSONEncoder()
    ) async throws(HTTPClientError) -> HTTPClientResponse {
        try await execute(Self.jsonRequest(.post, url: url, body: body, headers: headers, encoder: encoder))
    }

    /// `PUT url` with `body` encoded as JSON.
    /// - Throws: `.encodingFailed`, or any `HTTPClientError` from `execute`.
    public func put<Body: Encodable>(
        _ url: String, json body: Body, headers: HTTPHeaders = HTTPHeaders(), encoder: JSONEncoder = JSONEncoder()
    ) async throws(HTTPClientError) -> HTTPClientResponse {
        try await execute(Self.jsonRequest(.put, url: url, body: body, headers: headers, encoder: encoder))
    }

    /// `POST url` with raw bytes.
    /// - Throws: `HTTPClientError`.
    public func post(_ url: String, body: [UInt8], headers: HTTPHeaders = HTTPHeaders()) async throws(HTTPClientError) -> HTTPClientResponse {
        try await execute(HTTPClientRequest(method: .post, url: url, headers: headers, body: body))
    }

    static func jsonRequest<Body: Encodable>(
        _ method: HTTPMethod, url: String, body: Body, headers: HTTPHeaders, encoder: JSONEncoder
    ) throws(HTTPClientError) -> HTTPClientRequest {
        let data: Data
        do {
            data = try encoder.encode(body)
        } catch {
            throw .encodingFailed("\(Body.self): \(error)")
        }
        var headers = headers
        if !headers.contains("Content-Type") { headers.add(name: "Content-Type", value: "application/json") }
        if !headers.contains("Accept") { headers.add(name: "Accept", value: "application/json") }
        return HTTPClientRequest(method: method, url: url, headers: headers, body: Array(data))
    }
}
