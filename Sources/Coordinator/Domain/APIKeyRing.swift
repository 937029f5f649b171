import HTTP1
import Cryptography

/// The configured API keys of every role, each mapped to its principal.
///
/// Lookup compares the presented key with every configured key of the role in constant time
/// and never stops at the first match, so response time reveals neither whether nor where a
/// key matched. Keys are never part of `description`/`dump` output.
public struct APIKeyRing: Sendable, CustomStringConvertible, CustomReflectable {
    /// One configured key and the principal it authenticates.
    public struct Entry: Sendable {
        /// The principal the key maps to.
        public let principal: Principal
        /// SHA-256 of the key: comparing fixed-length digests keeps comparison time independent of key length.
        let digest: [UInt8]
        /// The id of an `id:key` entry; nil when the id is derived.
        let explicitID: String?
        /// Whether the key is, or is shaped like, one the docs print (`APIKeyRing.looksPublished`).
        let looksPublished: Bool
    }

    /// The entries of each role, in configuration order.
    private let entries: [Role: [Entry]]

    /// Creates a ring from raw `(explicit id?, key)` pairs per role. Keys without an explicit id
    /// get ids under a random key of this process until `bindingPrincipalIDs(to:)` gives them
    /// the installation's (`CoordinatorStore.open` does).
    public init(keys: [Role: [(id: String?, key: String)]]) {
        var entries: [Role: [Entry]] = [:]
        let processSecret = SecureRandom.bytes(count: 32)
        for (role, list) in keys {
            entries[role] = list.map { item in
                let digest = SHA256.hash(utf8: item.key)
                let id = item.id ?? APIKeyRing.derivedID(role: role, keyDigest: digest, secret: processSecret)
                return Entry(
                    principal: Principal(role: role, id: id), digest: digest, explicitID: item.id,
                    looksPublished: APIKeyRing.looksPublished(item.key))
            }
        }
        self.entries = entries
    }

    private init(entries: [Role: [Entry]]) { self.entries = entries }

    /// Whether `key` is, or is shaped like, a key printed in the docs: `<role>_dev_key_<n>` or
    /// `change-me-<role>-key` for any role, in any letter case. Decided while the raw key is at
    /// hand; only the answer is kept.
    static func looksPublished(_ key: String) -> Bool {
        let lowered = key.lowercased()
        for role in Role.allCases {
            if lowered == "change-me-\(role.rawValue)-key" { return true }
            let number = lowered.dropFirst("\(role.rawValue)_dev_key_".count)
            if lowered.hasPrefix("\(role.rawValue)_dev_key_"), !number.isEmpty, number.allSatisfy(\.isNumber) { return true }
        }
        return false
    }

    /// The roles with a key that looks published (`APP_ENV=production` refuses them).
    public var rolesWithPublishedLookingKeys: [Role] {
        Role.allCases.filter { role in (entries[role] ?? []).contains(where: \.looksPublished) }
    }

    /// The same ring with every derived id recomputed under `secret`, the installation's
    /// principal-id key (kept in its database, schema v4): stable across restarts of that
    /// database, different on another. `id:key` entries keep their id.
    public func bindingPrincipalIDs(to secret: [UInt8]) -> APIKeyRing {
        var bound: [Role: [Entry]] = [:]
        for (role, list) in entries {
            bound[role] = list.map { entry in
                guard entry.explicitID == nil else { return entry }
                let id = APIKeyRing.derivedID(role: role, keyDigest: entry.digest, secret: secret)
                return Entry(
                    principal: Principal(role: role, id: id), digest: entry.digest, explicitID: nil, looksPublished: entry.looksPublished)
            }
        }
        return APIKeyRing(entries: bound)
    }

    /// The principal id of a key without an explicit id: role prefix plus the first 12 hex
    /// digits of HMAC-SHA256(secret, role ‖ 0 ‖ SHA-256(key)). Ids are published in every
    /// receipt; a plain hash of the key (the old scheme) let anyone test guessed keys against
    /// them offline (issue #10, defect 8), which this keyed hash does not without the secret.
    static func derivedID(role: Role, keyDigest: [UInt8], secret: [UInt8]) -> String {
        let mac = HMACSHA256.authenticationCode(key: secret, message: Array(role.rawValue.utf8) + [0] + keyDigest)
        return "\(role.rawValue)-\(String(Hex.encode(mac).prefix(12)))"
    }

    /// The principal of `presentedKey` within `role`, or nil.
    public func principal(forKey presentedKey: String, role: Role) -> Principal? {
        let digest = SHA256.hash(utf8: presentedKey)
        var found: Principal?
        for entry in entries[role] ?? [] {
            // No early exit: every entry is compared whatever the position of a match.
            let matches = ConstantTime.equals(entry.digest, digest)
            if matches && found == nil { found = entry.principal }
        }
        return found
    }

    /// The principal of `presentedKey` within `role`, or `CoordinatorError.unauthorized` saying
    /// why: no key, a key of no role, or a key of another role (issue #12: "invalid api key"
    /// alone left a newcomer guessing). Every configured key of every role is compared, without
    /// an early exit, so timing tells no more than the answer does.
    /// - Throws: `CoordinatorError.unauthorized`.
    public func authenticate(_ presentedKey: String?, role: Role) throws(CoordinatorError) -> Principal {
        guard let presentedKey, !presentedKey.isEmpty else { throw .unauthorized(.missing) }
        let digest = SHA256.hash(utf8: presentedKey)
        var found: Principal?
        var otherRole: Role?
        for candidate in Role.allCases {
            for entry in entries[candidate] ?? [] {
                let matches = ConstantTime.equals(entry.digest, digest)
                if matches && candidate == role && found == nil { found = entry.principal }
                if matches && candidate != role && otherRole == nil { otherRole = candidate }
            }
        }
        if let found { return found }
        if let otherRole { throw .unauthorized(.otherRole(keyRole: otherRole, routeRole: role)) }
        throw .unauthorized(.unknown)
    }

    /// The key a request presents: `X-Api-Key`, else `Authorization: Bearer <key>` (the
    /// reference miner agent's header, spec §3 and §11 weakness 11).
    public static func presentedKey(apiKeyHeader: String?, authorizationHeader: String?) -> String? {
        if let key = apiKeyHeader?.trimmingWhitespace(), !key.isEmpty { return key }
        guard let authorization = authorizationHeader?.trimmingWhitespace() else { return nil }
        let scheme = "bearer "
        guard authorization.utf8.count > scheme.utf8.count,
            authorization.prefix(scheme.count).lowercased() == scheme
        else { return nil }
        let key = String(authorization.dropFirst(scheme.count)).trimmingWhitespace()
        return key.isEmpty ? nil : key
    }

    /// The principals configured for `role` (no keys).
    public func principals(role: Role) -> [Principal] { (entries[role] ?? []).map(\.principal) }

    /// Counts per role; never keys.
    public var description: String {
        let parts = Role.allCases.map { "\($0.rawValue): \(entries[$0]?.count ?? 0) keys" }
        return "APIKeyRing(\(parts.joined(separator: ", ")))"
    }

    /// Hides the digests from `dump` and debuggers.
    public var customMirror: Mirror { Mirror(self, children: ["description": description]) }
}
