/// HMAC-SHA256 (RFC 2104 §2 over this module's SHA-256; block size 64 bytes, longer keys
/// hashed first), checked against the RFC 4231 vectors. Used for the coordinator's optional
/// `X-Signature` request-body signature, which miners and clients compute.
public enum HMACSHA256 {
    /// The 32-byte authentication code of `message` under `key`.
    public static func authenticationCode(key: [UInt8], message: [UInt8]) -> [UInt8] {
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
}
