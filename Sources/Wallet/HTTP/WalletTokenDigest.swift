import Cryptography

/// SHA-256 and constant-time comparison for the auth token (kept apart so the middleware file
/// needs no crypto import).
enum WalletTokenDigest {
    static func sha256(_ bytes: [UInt8]) -> [UInt8] { SHA256.hash(bytes) }
    static func equal(_ a: [UInt8], _ b: [UInt8]) -> Bool { ConstantTime.equals(a, b) }
}
