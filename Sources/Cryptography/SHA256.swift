import CSodium

/// SHA-256 (FIPS 180-4) via libsodium.
public enum SHA256 {
    /// Digest size in bytes.
    public static let digestLength = 32

    /// The digest of `bytes`.
    public static func hash(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        Sodium.ensureInitialized()
        var out = [UInt8](repeating: 0, count: digestLength)
        _ = crypto_hash_sha256(&out, bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), UInt64(bytes.count))
        return out
    }

    /// The digest of `bytes`.
    public static func hash(_ bytes: [UInt8]) -> [UInt8] {
        bytes.withUnsafeBytes { hash($0) }
    }

    /// The digest of the UTF-8 bytes of `text`.
    public static func hash(utf8 text: String) -> [UInt8] {
        hash(Array(text.utf8))
    }

    /// Incremental hashing for input that arrives in pieces.
    public struct Hasher: Sendable {
        private var state = crypto_hash_sha256_state()

        /// Starts a new digest.
        public init() {
            Sodium.ensureInitialized()
            _ = crypto_hash_sha256_init(&state)
        }

        /// Adds `bytes` to the digest.
        public mutating func update(_ bytes: [UInt8]) {
            bytes.withUnsafeBufferPointer { buffer in
                _ = crypto_hash_sha256_update(&state, buffer.baseAddress, UInt64(buffer.count))
            }
        }

        /// The digest of everything added; the hasher should not be used afterwards.
        public mutating func finalize() -> [UInt8] {
            var out = [UInt8](repeating: 0, count: SHA256.digestLength)
            _ = crypto_hash_sha256_final(&state, &out)
            return out
        }
    }
}
