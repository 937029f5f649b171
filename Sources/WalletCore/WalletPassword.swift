public import Cryptography
import FoundationEssentials
import Glibc

/// A wallet password as the keystore uses it: the UTF-8 bytes of its NFC form, held in
/// `SecureBytes` (spec/wallet-daemon.md §4.2).
///
/// NFC first, so the same password typed on two systems that compose accents differently
/// opens the same wallet. Length is counted in Unicode scalars of the NFC form (what the
/// reference's Python `len` counts). The `String` the caller passed in is immutable and
/// cannot be wiped here; keep it short-lived.
public struct WalletPassword: Sendable, CustomStringConvertible {
    /// The fewest characters accepted.
    public static let minLength = 12
    /// The most characters accepted (§15.13: longer → 400), bounding the KDF input.
    public static let maxLength = 1024

    /// A rule a password breaks; `message` is the 400 `detail` the daemon answers with.
    public enum Rule: String, Sendable, Equatable, CaseIterable {
        case tooShort, tooLong, missingUppercase, missingLowercase, missingDigit, missingSymbol

        /// The exact 400 `detail` text (§8 keeps a string, not upstream's later object).
        public var message: String {
            switch self {
            case .tooShort: return "password must be at least 12 characters"
            case .tooLong: return "password must be at most 1024 characters"
            case .missingUppercase: return "password must contain an upper-case letter (A-Z)"
            case .missingLowercase: return "password must contain a lower-case letter (a-z)"
            case .missingDigit: return "password must contain a digit (0-9)"
            case .missingSymbol: return "password must contain a character other than A-Z, a-z and 0-9"
            }
        }
    }

    /// The NFC UTF-8 bytes: the Argon2id input.
    public let bytes: SecureBytes

    /// A password for unlocking: NFC-normalised and length-checked (12–1024), no composition
    /// rules (those apply at create only, §8).
    /// - Throws: `WalletCoreError.weakPassword(.tooShort / .tooLong)`.
    public init(_ text: String) throws(WalletCoreError) {
        let normalized = UnicodeNormalization.nfc(text)
        try Self.checkLength(normalized)
        bytes = Self.secureUTF8(normalized)
    }

    /// A password for a new wallet: the length rule plus the create rules of §8 (at least one
    /// A–Z, one a–z, one 0–9 and one character outside `[A-Za-z0-9]`), checked in that order.
    /// - Throws: `WalletCoreError.weakPassword` naming the first rule broken.
    public init(creating text: String) throws(WalletCoreError) {
        let normalized = UnicodeNormalization.nfc(text)
        try Self.checkLength(normalized)
        var upper = false, lower = false, digit = false, symbol = false
        for scalar in normalized.unicodeScalars {
            switch scalar.value {
            case 0x41...0x5A: upper = true
            case 0x61...0x7A: lower = true
            case 0x30...0x39: digit = true
            default: symbol = true
            }
        }
        guard upper else { throw .weakPassword(.missingUppercase) }
        guard lower else { throw .weakPassword(.missingLowercase) }
        guard digit else { throw .weakPassword(.missingDigit) }
        guard symbol else { throw .weakPassword(.missingSymbol) }
        bytes = Self.secureUTF8(normalized)
    }

    /// Never the password.
    public var description: String { "WalletPassword(redacted)" }

    private static func checkLength(_ normalized: String) throws(WalletCoreError) {
        // Counting stops past the maximum: a 1 MB body costs no more than the limit.
        var count = 0
        for _ in normalized.unicodeScalars {
            count += 1
            if count > maxLength { throw .weakPassword(.tooLong) }
        }
        guard count >= minLength else { throw .weakPassword(.tooShort) }
    }

    /// Copies the UTF-8 bytes into secret memory without an intermediate array.
    private static func secureUTF8(_ text: String) -> SecureBytes {
        let utf8 = text.utf8
        return SecureBytes(count: utf8.count) { buffer in
            for (offset, byte) in utf8.enumerated() { buffer[offset] = byte }
        }
    }
}
