import Cryptography

/// The one rule for a miner public key someone asks the coordinator to pin (registration and
/// admin rotation): 64 hex characters naming a valid Ed25519 point, stored in lowercase so a
/// re-registration in other letter case is the same key, not a different one.
enum MinerPublicKey {
    /// The key in canonical (lowercase) form.
    /// - Throws: `CoordinatorError.invalidPayload` naming `public_key`.
    static func canonical(_ text: String) throws(CoordinatorError) -> String {
        guard text.utf8.count == 64, text.utf8.allSatisfy({ $0.isHexDigit }) else {
            throw .invalidPayload("public_key: must be 64 hex characters")
        }
        let lowercase = text.lowercased()
        guard let key = try? Ed25519.PublicKey(hex: lowercase), key.isValidPoint else {
            throw .invalidPayload("public_key: not a usable Ed25519 public key (off the curve or of small order)")
        }
        return lowercase
    }
}
