public import Cryptography

/// PBKDF2 (RFC 8018 §5.2) with HMAC-SHA512 as the PRF: BIP-39's mnemonic-to-seed function.
public enum PBKDF2HMACSHA512 {
    /// The `length`-byte key derived from `password` and `salt` with `iterations` rounds.
    /// Every intermediate block is wiped; the result is secret memory.
    /// - Throws: `WalletCoreError.invalidLength` for a zero or oversized length or zero iterations.
    public static func derive(
        password: SecureBytes, salt: [UInt8], iterations: Int, length: Int
    ) throws(WalletCoreError) -> SecureBytes {
        guard iterations >= 1 else {
            throw .invalidLength(what: "PBKDF2 iteration count", expected: "at least 1", actual: iterations)
        }
        // RFC 8018: dkLen ≤ (2^32 − 1) · hLen; far below that, 1 MiB is plenty for any caller.
        guard (1...(1 << 20)).contains(length) else {
            throw .invalidLength(what: "PBKDF2 output", expected: "1...1048576", actual: length)
        }
        let prf = password.withUnsafeBytes { HMACSHA512(key: $0) }
        let hLen = HMACSHA512.length
        // U_j and the running XOR T live in a secret scratch buffer [U | T], wiped when the
        // inner SecureBytes is released at the end of the outer initializer.
        return SecureBytes(count: length) { out in
            _ = SecureBytes(count: 2 * hLen) { work in
                let u = UnsafeMutableRawBufferPointer(rebasing: work[0..<hLen])
                let t = UnsafeMutableRawBufferPointer(rebasing: work[hLen..<2 * hLen])
                var block: UInt32 = 1
                var written = 0
                while written < length {
                    var counter = block.bigEndian
                    salt.withUnsafeBytes { saltBytes in
                        withUnsafeBytes(of: &counter) { counterBytes in prf.authenticate([saltBytes, counterBytes], into: u) }
                    }
                    t.copyMemory(from: UnsafeRawBufferPointer(u))
                    for _ in 1..<iterations {
                        prf.authenticate([UnsafeRawBufferPointer(u)], into: u)
                        for index in 0..<hLen { t[index] ^= u[index] }
                    }
                    let take = min(hLen, length - written)
                    UnsafeMutableRawBufferPointer(rebasing: out[written..<written + take])
                        .copyMemory(from: UnsafeRawBufferPointer(rebasing: t[0..<take]))
                    written += take
                    block += 1
                }
            }
        }
    }
}
