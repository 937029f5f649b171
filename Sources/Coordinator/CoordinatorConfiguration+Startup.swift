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
        if let role = rolesWithPlaceholderKeys.first {
            throw .invalid(
                setting: Self.keySetting(role),
                reason: "holds a published placeholder key (\(Self.placeholderKeys(for: role).joined(separator: " or "))), "
                    + "which APP_ENV=\(appEnvironment) refuses: configure keys of your own (e.g. openssl rand -hex 32)")
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
