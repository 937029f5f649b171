import Cryptography
import HTTP1
import HTTPClient
import JSON
import ServiceRuntime
import TerminalText

/// Fetches the keys a coordinator publishes at `GET /v1/keys`:
/// `{"keys": [{"key_id", "public_key_hex", "alg": "Ed25519", "use"}]}`. The server is not
/// trusted with the terminal: whatever of its answer or of the URL is echoed is escaped, and the
/// URL's `user:password@` is never printed.
enum KeysURL {
    /// The keys of a key list, by what they may verify.
    struct Keys: Sendable, Equatable {
        /// `"use": "receipt-signing"` keys: the coordinator's primary `signature`.
        var signing: [Ed25519.PublicKey] = []
        /// `"use": "receipt-attestation"` keys: the receipt's `attestations`.
        var attestation: [Ed25519.PublicKey] = []
    }

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
    static func fetch(_ text: String) async throws(CLIError) -> Keys {
        let url = resolve(text)
        let shown = UntrustedText.displayURL(url)
        let client = HTTPClient(
            configuration: HTTPClientConfiguration(
                connectTimeout: .seconds(5), readTimeout: .seconds(10), maxResponseBodySize: maxBytes,
                defaultHeaders: ["User-Agent": "aitbc-cli/1", "Accept": "application/json"]))
        let response: HTTPClientResponse
        do {
            response = try await client.get(url)
        } catch {
            await client.shutdown()
            let reason = if case .invalidURL = error { "invalid URL" } else { UntrustedText.display("\(error)", limit: 256) }
            throw CLIError("--keys-url: cannot fetch \(shown): \(reason)")
        }
        await client.shutdown()
        guard response.status.code == 200 else { throw CLIError("--keys-url: \(shown) answered \(response.status.code)") }
        return try parse(response.body, url: shown)
    }

    /// The Ed25519 keys of a key document, sorted by `use`; keys of another `use` are left out.
    /// - Parameter url: the URL as it may be shown.
    /// - Throws: `CLIError` naming what is wrong: not a key list, an Ed25519 entry without a valid
    ///   `public_key_hex`, or without a string `key_id` that names that key.
    static func parse(_ body: [UInt8], url: String) throws(CLIError) -> Keys {
        guard let document = try? JSONParser(limits: .init(maxInputBytes: maxBytes, maxDepth: 8)).parse(body),
            let entries = document["keys"]?.arrayValue
        else { throw CLIError("--keys-url: \(url) did not return {\"keys\": [...]}") }
        var keys = Keys()
        for entry in entries where entry["alg"]?.stringValue == "Ed25519" {
            guard let hex = entry["public_key_hex"]?.stringValue, let key = try? Ed25519.PublicKey(hex: hex) else {
                throw CLIError("--keys-url: \(url): a key has no valid public_key_hex")
            }
            guard let keyID = entry["key_id"]?.stringValue else {
                throw CLIError("--keys-url: \(url): a key has no key_id string")
            }
            guard keyID == key.keyID else {
                throw CLIError("--keys-url: \(url): key_id \(UntrustedText.display(keyID)) does not name its public_key_hex")
            }
            switch entry["use"]?.stringValue {
            case "receipt-signing": keys.signing.append(key)
            case "receipt-attestation": keys.attestation.append(key)
            default: continue
            }
        }
        return keys
    }
}
