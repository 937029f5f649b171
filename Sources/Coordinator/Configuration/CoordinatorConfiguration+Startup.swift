import Cryptography
public import ServiceRuntime

/// What a newcomer needs to see at start-up (issue #12): one human line per concern instead of
/// only the `CoordinatorConfiguration(...)` blob in the JSON log, loud warnings for the two
/// settings that make a coordinator unfit for real use, and `APP_ENV=production` refusing them.
extension CoordinatorConfiguration {
    /// The keys anyone can read in the docs: the `APP_ENV=dev` placeholders and the values
    /// `.env.example` ships. Public strings, so naming them in messages leaks nothing.
    public static func placeholderKeys(for role: Role) -> [String] {
        ["\(role.rawValue)_dev_key_1", "change-me-\(role.rawValue)-key"]
    }

    /// Ed25519 seeds anyone can read: the receipt test vectors' (`protocols/receipts/vectors`)
    /// and trivial ones. A coordinator signing with one signs receipts anyone can forge.
    static let publishedSeedHexes: [String] = [
        "e2c35a46318ec09cf1cc04f06c4ba18bf2cd3f0ed318d986f01228bdbf9fd326",
        "1e6598438c25f76acadd8c83ec25b6b755281d2546af1221efa61634c7f996dc",
        "ae74313c727098dc093065d55b99b9bf1a8d6184f2c566ff4908f400e0ebcc6c",
        "ae6c1ae6c65bb56768b286aff9a2a70c865b4f1e0ccf2afd1f63e4fb34de3e61",
        "e01923ccf5b8dbac927d8f337ace25d50c04dc2ecd95d0311e88a020fce69ce8",
        "54e17fcbfb691b164ee375f7122082a6d1e28b0a19ea20caa2ed9dad60f39db3",
        "b0941c9a7b62188b11dc10176273d4d8d67b1beb7144355885957a2892da3de0",
        "0ceb58bfe01247851cfdf8d820a97bc6b2514416c4b0df9d922ab1c0cdd1508b",
        String(repeating: "00", count: 32), String(repeating: "11", count: 32), String(repeating: "ff", count: 32),
        String(repeating: "01", count: 32),
    ]

    /// Whether `key` is one of the published seeds (compared by public key).
    static func isPublishedSeed(_ key: Ed25519.PrivateKey) -> Bool {
        publishedSeedHexes.contains { hex in (try? Ed25519.PrivateKey(seedHex: hex))?.publicKey.keyID == key.publicKey.keyID }
    }

    /// The roles whose key set accepts a placeholder key.
    public var rolesWithPlaceholderKeys: [Role] {
        Role.allCases.filter { role in
            Self.placeholderKeys(for: role).contains { keyRing.principal(forKey: $0, role: role) != nil }
        }
    }

    /// Whether `APP_ENV` names a production deployment (`production` or `prod`, any case).
    public var isProduction: Bool { ["production", "prod"].contains(appEnvironment.lowercased()) }

    /// Refuses, under `APP_ENV=production`, placeholder API keys and unsigned receipts; any
    /// other environment only warns (`startupWarnings`).
    /// - Throws: `ConfigurationError.invalid` naming the setting to fix.
    public func checkProductionReadiness() throws(ConfigurationError) {
        guard isProduction else { return }
        // Any role's placeholder, in any case, or one shaped like them (the exact dev keys too).
        if let role = keyRing.rolesWithPublishedLookingKeys.first {
            throw .invalid(
                setting: Self.keySetting(role),
                reason: "holds a key shaped like the published placeholders (<role>_dev_key_<n>, change-me-<role>-key), "
                    + "which APP_ENV=\(appEnvironment) refuses: configure keys of your own (e.g. openssl rand -hex 32)")
        }
        for (setting, key) in [("RECEIPT_SIGNING_KEY_HEX", signingKey), ("RECEIPT_ATTESTATION_KEY_HEX", attestationKey)] {
            if let key, Self.isPublishedSeed(key) {
                throw .invalid(
                    setting: setting,
                    reason: "is a published seed (a test vector's or a trivial one): anyone could sign receipts with it, "
                        + "which APP_ENV=\(appEnvironment) refuses; use `aitbc keygen --out FILE`")
            }
        }
        if signingKey == nil {
            throw .invalid(
                setting: "RECEIPT_SIGNING_KEY_HEX",
                reason: "is unset, so no receipt would be signed, which APP_ENV=\(appEnvironment) refuses: "
                    + "set it to the private_key_hex of `aitbc keygen --out FILE`")
        }
    }

    /// The setting that holds `role`'s keys, e.g. `CLIENT_API_KEYS`.
    static func keySetting(_ role: Role) -> String { "\(role.rawValue.uppercased())_API_KEYS" }

    /// The human summary printed to stderr once the coordinator listens on `port`: one line
    /// each for the address, data, signing, attestation, auth and body signatures. Never a key
    /// or secret — placeholder keys excepted, which are published anyway.
    public func startupSummary(port: Int) -> [String] {
        let address = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        let signing = signingKey.map { "key_id \($0.publicKey.keyID) (public key: GET /v1/keys)" } ?? "OFF: no receipts"
        let attestation =
            attestationKey.map { signingKey == nil ? "unused (signing is off)" : "key_id \($0.publicKey.keyID)" } ?? "off"
        let roles = Role.allCases.map { role -> String in
            let count = keyRing.principals(role: role).count
            return count == 0 ? "\(role.rawValue) none" : "\(role.rawValue) \(count) key\(count == 1 ? "" : "s")"
        }
        let placeholders = rolesWithPlaceholderKeys
        let placeholderText =
            placeholders.isEmpty ? "no" : "YES for \(placeholders.map(\.rawValue).joined(separator: ", "))"
        return [
            "aitbc-coordinator listening on http://\(address) (APP_ENV=\(appEnvironment))",
            "  data dir     \(dataDirectory) (database \(databasePath))",
            "  signing      \(signing)",
            "  attestation  \(attestation)",
            "  auth         keys: \(roles.joined(separator: ", ")); dev placeholder keys: \(placeholderText)",
            "  hmac         \(hmacSecret == nil ? "off (X-Signature not required)" : "on (every POST needs X-Signature)")",
        ]
    }

    /// Loud warnings for a coordinator unfit for real use (placeholder keys, signing off); empty
    /// when neither applies. `APP_ENV=production` refuses both instead.
    public var startupWarnings: [String] {
        var lines: [String] = []
        // A role without keys answers every request 401 (e.g. a misspelt APP_ENV with no keys set).
        let keyless = Role.allCases.filter { keyRing.principals(role: $0).isEmpty }
        if !keyless.isEmpty {
            lines.append(
                "!!! WARNING: no \(keyless.map(\.rawValue).joined(separator: ", ")) API keys: every such request is refused (401); "
                    + "set \(keyless.map(Self.keySetting).joined(separator: ", "))")
        }
        let placeholders = rolesWithPlaceholderKeys
        if !placeholders.isEmpty {
            let keys = placeholders.map { Self.placeholderKeys(for: $0)[0] }.joined(separator: ", ")
            let settings = placeholders.map(Self.keySetting).joined(separator: ", ")
            lines.append("!!! WARNING: DEV PLACEHOLDER API KEYS ARE ACTIVE (\(keys) or the .env.example values):")
            lines.append("!!!          anyone who read the docs can use them. Set \(settings) before exposing this")
            lines.append("!!!          coordinator; APP_ENV=production refuses to start with them.")
        }
        if signingKey == nil {
            lines.append("!!! WARNING: RECEIPT SIGNING IS OFF: completed jobs get no signed receipt.")
            lines.append("!!!          Set RECEIPT_SIGNING_KEY_HEX (docs/coordinator.md, Running it); APP_ENV=production")
            lines.append("!!!          refuses to start without it.")
        }
        return lines
    }
}
