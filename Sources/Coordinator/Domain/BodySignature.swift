import Cryptography

/// The optional body signature (spec §11 weakness 6): `X-Signature` = lowercase or
/// uppercase hex of HMAC-SHA256(HMAC_SECRET, raw body).
public enum BodySignature {
    /// HMAC-SHA256 of `message` under `key` (RFC 2104; Cryptography's `HMACSHA256`).
    public static func hmacSHA256(key: [UInt8], message: [UInt8]) -> [UInt8] {
        HMACSHA256.authenticationCode(key: key, message: message)
    }

    /// Checks `signatureHex` against the body, comparing in constant time.
    /// - Throws: `CoordinatorError.invalidSignature` when missing, malformed or wrong.
    public static func verify(body: [UInt8], signatureHex: String?, secret: [UInt8]) throws(CoordinatorError) {
        guard let signatureHex, let presented = try? Hex.decode(signatureHex, length: SHA256.digestLength) else {
            throw .invalidSignature
        }
        guard ConstantTime.equals(hmacSHA256(key: secret, message: body), presented) else { throw .invalidSignature }
    }
}
