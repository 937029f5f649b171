import CSodium

/// XChaCha20-Poly1305 IETF AEAD (draft-irtf-cfrg-xchacha) via libsodium.
///
/// The 24-byte nonce is large enough to pick at random for every message.
/// Sealed output is ciphertext ‖ 16-byte tag.
public enum XChaCha20Poly1305 {
    /// Key size in bytes.
    public static let keyLength = 32
    /// Nonce size in bytes.
    public static let nonceLength = 24
    /// Tag size in bytes.
    public static let tagLength = 16

    /// A new random key.
    public static func generateKey() -> SecureBytes { SecureBytes.random(count: keyLength) }

    /// A new random nonce.
    public static func generateNonce() -> [UInt8] { SecureRandom.bytes(count: nonceLength) }

    /// Encrypts and authenticates `plaintext`, authenticating `associatedData` too.
    /// - Throws: `CryptographyError.invalidLength` for a wrong key or nonce size.
    public static func seal(
        _ plaintext: UnsafeRawBufferPointer, key: SecureBytes, nonce: [UInt8], associatedData: [UInt8] = []
    ) throws(CryptographyError) -> [UInt8] {
        try checkSizes(key: key, nonce: nonce)
        let (outputLength, overflow) = plaintext.count.addingReportingOverflow(tagLength)
        guard !overflow else { throw .invalidParameter("plaintext too large") }
        Sodium.ensureInitialized()
        var output = [UInt8](repeating: 0, count: outputLength)
        var written: UInt64 = 0
        let rc = key.withUnsafeBytes { keyBuffer in
            associatedData.withUnsafeBufferPointer { ad in
                guard let keyPointer = keyBuffer.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return Int32(-1) }
                return crypto_aead_xchacha20poly1305_ietf_encrypt(
                    &output, &written, plaintext.baseAddress?.assumingMemoryBound(to: UInt8.self),
                    UInt64(plaintext.count), ad.baseAddress, UInt64(ad.count), nil, nonce, keyPointer)
            }
        }
        guard rc == 0 else { throw .libraryFailure(function: "crypto_aead_xchacha20poly1305_ietf_encrypt", code: rc) }
        return output
    }

    /// Encrypts and authenticates `plaintext`.
    /// - Throws: `CryptographyError.invalidLength` for a wrong key or nonce size.
    public static func seal(
        _ plaintext: [UInt8], key: SecureBytes, nonce: [UInt8], associatedData: [UInt8] = []
    ) throws(CryptographyError) -> [UInt8] {
        let result: Result<[UInt8], CryptographyError> = plaintext.withUnsafeBytes { buffer in
            Result { () throws(CryptographyError) -> [UInt8] in
                try seal(buffer, key: key, nonce: nonce, associatedData: associatedData)
            }
        }
        return try result.get()
    }

    /// Encrypts secret plaintext (e.g. a key seed for a keystore).
    /// - Throws: `CryptographyError.invalidLength` for a wrong key or nonce size.
    public static func seal(
        _ plaintext: SecureBytes, key: SecureBytes, nonce: [UInt8], associatedData: [UInt8] = []
    ) throws(CryptographyError) -> [UInt8] {
        let result: Result<[UInt8], CryptographyError> = plaintext.withUnsafeBytes { buffer in
            Result { () throws(CryptographyError) -> [UInt8] in
                try seal(buffer, key: key, nonce: nonce, associatedData: associatedData)
            }
        }
        return try result.get()
    }

    /// Checks the tag and decrypts; the plaintext comes back as `SecureBytes`.
    /// - Throws: `CryptographyError.authenticationFailed` when anything was altered or the
    ///   key, nonce or associated data differ; `.invalidLength` for wrong sizes.
    public static func open(
        _ sealed: [UInt8], key: SecureBytes, nonce: [UInt8], associatedData: [UInt8] = []
    ) throws(CryptographyError) -> SecureBytes {
        try checkSizes(key: key, nonce: nonce)
        guard sealed.count >= tagLength else { throw .authenticationFailed }
        Sodium.ensureInitialized()
        var rc: Int32 = 0
        let plaintext = SecureBytes(count: sealed.count - tagLength) { out in
            var written: UInt64 = 0
            rc = key.withUnsafeBytes { keyBuffer in
                associatedData.withUnsafeBufferPointer { ad in
                    guard let keyPointer = keyBuffer.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return Int32(-1) }
                    return crypto_aead_xchacha20poly1305_ietf_decrypt(
                        out.baseAddress?.assumingMemoryBound(to: UInt8.self), &written, nil, sealed,
                        UInt64(sealed.count), ad.baseAddress, UInt64(ad.count), nonce, keyPointer)
                }
            }
        }
        guard rc == 0 else { throw .authenticationFailed }
        return plaintext
    }

    private static func checkSizes(key: SecureBytes, nonce: [UInt8]) throws(CryptographyError) {
        guard key.count == keyLength else {
            throw .invalidLength(what: "XChaCha20-Poly1305 key", expected: keyLength, actual: key.count)
        }
        guard nonce.count == nonceLength else {
            throw .invalidLength(what: "XChaCha20-Poly1305 nonce", expected: nonceLength, actual: nonce.count)
        }
    }
}
