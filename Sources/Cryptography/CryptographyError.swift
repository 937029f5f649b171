/// Every failure the Cryptography module reports. Descriptions never contain key material.
public enum CryptographyError: Error, Equatable, Sendable {
    /// An input has the wrong size, e.g. a 31-byte seed; `what` names the input.
    case invalidLength(what: String, expected: Int, actual: Int)
    /// A parameter is outside the range the primitive supports; the text names it.
    case invalidParameter(String)
    /// AEAD decryption failed: wrong key, nonce, associated data, or tampered ciphertext.
    case authenticationFailed
    /// Text is not hex (odd length or a non-hex character at `offset`).
    case invalidHex(offset: Int)
    /// Text is not canonical unpadded base64url; `offset` is the first offending character.
    case invalidBase64URL(offset: Int)
    /// Text is not valid bech32 (BIP-173); the text says why.
    case invalidBech32(String)
    /// libargon2 returned an error code (with its message).
    case argon2(code: Int32, message: String)
    /// A libsodium call failed unexpectedly.
    case libraryFailure(function: String, code: Int32)
}
