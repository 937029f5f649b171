import Cryptography
import HTTP1
import HTTPClient
import JSON

/// Fetches the keys a coordinator publishes at `GET /v1/keys`:
/// `{"keys": [{"key_id", "public_key_hex", "alg": "Ed25519", "use"}]}`.
enum KeysURL {
    /// Largest key document read.
    static let maxBytes = 1 << 20

    /// The key URL for what the user gave: a base URL (`http://host:8011`, `…/v1`) or the
    /// full `…/v1/keys` URL.
    static func resolve(_ text: String) -> String {
        var url = text
        while url.hasSuffix("/") { url.removeLast() }
        if url.hasSuffix("/keys") { return url }
        if url.hasSuffix("/v1") { return url + "/keys" }
        return url + "/v1/keys"
    }

    /// The Ed25519 keys at `text`.
    /// - Throws: `CLIError` when the URL cannot be fetched, answers other than 200, or its
    ///   document is not a key list (a `key_id` that does not name its `public_key_hex` included).
    static func fetch(_ text: String) async throws(CLIError) -> [Ed25519.PublicKey] {
        let url = resolve(text)
        let client = HTTPClient(
            configuration: HTTPClientConfiguration(
                connectTimeout: .seconds(5), readTimeout: .seconds(10), maxResponseBodySize: maxBytes,
                defaultHeaders: ["User-Agent": "aitbc-cli/1", "Accept": "application/json"]))
        let response: HTTPClientResponse
        do {
            response = try await client.get(url)
        } catch {
            await client.shutdown()
            throw CLIError("--keys-url: cannot fetch \(url): \(error)")
        }
        await client.shutdown()
        guard response.status.code == 200 else { throw CLIError("--keys-url: \(url) answered \(response.status.code)") }
        return try parse(response.body, url: url)
    }

    /// The Ed25519 keys of a key document.
    /// - Throws: `CLIError` naming what is wrong.
    static func parse(_ body: [UInt8], url: String) throws(CLIError) -> [Ed25519.PublicKey] {
        guard let document = try? JSONParser(limits: .init(maxInputBytes: maxBytes, maxDepth: 8)).parse(body),
            let entries = document["keys"]?.arrayValue
        else { throw CLIError("--keys-url: \(url) did not return {\"keys\": [...]}") }
        var keys: [Ed25519.PublicKey] = []
        for entry in entries where entry["alg"]?.stringValue == "Ed25519" {
            guard let hex = entry["public_key_hex"]?.stringValue, let key = try? Ed25519.PublicKey(hex: hex) else {
                throw CLIError("--keys-url: \(url): a key has no valid public_key_hex")
            }
            if let keyID = entry["key_id"]?.stringValue, keyID != key.keyID {
                throw CLIError("--keys-url: \(url): key_id \(keyID) does not name its public_key_hex")
            }
            keys.append(key)
        }
        return keys
    }
}
