import CSodium

/// BLAKE2b (RFC 7693) via libsodium's `crypto_generichash`, optionally keyed.
public enum BLAKE2b {
    /// Accepted output sizes in bytes.
    public static let outputLengths = 16...64
    /// Accepted key sizes in bytes (an empty key means unkeyed).
    public static let keyLengths = 16...64

    /// The `outputLength`-byte digest of `bytes`, keyed with `key` when it is not empty.
    /// - Throws: `CryptographyError.invalidParameter` for an output or key length out of range.
    public static func hash(_ bytes: [UInt8], outputLength: Int = 32, key: [UInt8] = []) throws(CryptographyError) -> [UInt8] {
        guard outputLengths.contains(outputLength) else {
            throw .invalidParameter("BLAKE2b output length \(outputLength) is outside 16...64")
        }
        guard key.isEmpty || keyLengths.contains(key.count) else {
            throw .invalidParameter("BLAKE2b key length \(key.count) is outside 16...64")
        }
        Sodium.ensureInitialized()
        var out = [UInt8](repeating: 0, count: outputLength)
        let rc = bytes.withUnsafeBufferPointer { input in
            key.withUnsafeBufferPointer { keyBuffer in
                crypto_generichash(&out, outputLength, input.baseAddress, UInt64(input.count),
                                   key.isEmpty ? nil : keyBuffer.baseAddress, keyBuffer.count)
            }
        }
        guard rc == 0 else { throw .libraryFailure(function: "crypto_generichash", code: rc) }
        return out
    }
}
