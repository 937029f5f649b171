/// Ed25519 signatures (RFC 8032, pure Ed25519, no pre-hash) via libsodium.
///
/// Keys are made from 32-byte seeds; public keys are 32 bytes, signatures 64 bytes.
public enum Ed25519 {
    /// Seed size in bytes.
    public static let seedLength = 32
    /// Public key size in bytes.
    public static let publicKeyLength = 32
    /// Signature size in bytes.
    public static let signatureLength = 64
}
