import CSodium

/// HMAC-SHA512 (RFC 2104 over libsodium's `crypto_auth_hmacsha512_*`, which takes keys of any
/// length): the PRF of BIP-39's PBKDF2 and of SLIP-10.
///
/// Keyed once, then used for many messages: each call copies the keyed state, so PBKDF2's
/// 2048 rounds do not re-hash a long mnemonic key. Every state, including the keyed one at
/// `deinit`, is wiped with `sodium_memzero`.
final class HMACSHA512 {
    /// Output size in bytes.
    static let length = 64

    private var keyed = crypto_auth_hmacsha512_state()

    /// Keys the PRF with `key` (the key bytes themselves are not kept, only the padded state).
    init(key: UnsafeRawBufferPointer) {
        SodiumSetup.ensureInitialized()
        var empty: UInt8 = 0
        if let base = key.baseAddress?.assumingMemoryBound(to: UInt8.self) {
            _ = crypto_auth_hmacsha512_init(&keyed, base, key.count)
        } else {
            _ = crypto_auth_hmacsha512_init(&keyed, &empty, 0)
        }
    }

    deinit {
        withUnsafeMutableBytes(of: &keyed) { if let base = $0.baseAddress { sodium_memzero(base, $0.count) } }
    }

    /// Writes HMAC(key, parts[0] ‖ parts[1] ‖ …) to the first 64 bytes of `out`.
    func authenticate(_ parts: [UnsafeRawBufferPointer], into out: UnsafeMutableRawBufferPointer) {
        precondition(out.count >= Self.length, "HMAC-SHA512 output buffer under 64 bytes")
        var state = keyed
        defer { withUnsafeMutableBytes(of: &state) { if let base = $0.baseAddress { sodium_memzero(base, $0.count) } } }
        for part in parts where part.count > 0 {
            _ = crypto_auth_hmacsha512_update(&state, part.baseAddress?.assumingMemoryBound(to: UInt8.self), UInt64(part.count))
        }
        if let base = out.baseAddress?.assumingMemoryBound(to: UInt8.self) { _ = crypto_auth_hmacsha512_final(&state, base) }
    }
}

/// `sodium_init` once for WalletCore's direct libsodium calls (Cryptography's own guard is
/// internal to that module).
enum SodiumSetup {
    private static let status: Int32 = sodium_init()

    /// Initializes libsodium; failure means no usable CPU/OS support, not bad input.
    static func ensureInitialized() {
        precondition(status >= 0, "libsodium failed to initialize")
    }
}
