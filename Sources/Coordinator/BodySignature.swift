import Cryptography

/// The optional body signature (spec §11 weakness 6): `X-Signature` = lowercase or
/// uppercase hex of HMAC-SHA256(HMAC_SECRET, raw body).
///
/// Cryptography has no HMAC, so it is built here from its SHA-256 per RFC 2104 §2
/// (block size 64 bytes; longer keys are hashed first) and checked against RFC 4231 vectors.
public enum BodySignature {
    /// HMAC-SHA256 of `message` under `key` (RFC 2104).
    public static func hmacSHA256(key: [UInt8], message: [UInt8]) -> [UInt8] {
        let blockSize = 64
        var block = key.count > blockSize ? SHA256.hash(key) : key
        block.append(contentsOf: repeatElement(0, count: blockSize - block.count))
        var inner = SHA256.Hasher()
        inner.update(block.map { $0 ^ 0x36 })
        inner.update(message)
        var outer = SHA256.Hasher()
        outer.update(block.map { $0 ^ 0x5C })
        outer.update(inner.finalize())
        return outer.finalize()
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
