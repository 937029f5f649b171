/// A wallet's name, checked before any file access (spec/wallet-daemon.md §4.2).
///
/// `^[a-z0-9][a-z0-9_-]{0,63}$`: lower case only, so a case-insensitive file system cannot alias
/// two wallets, and no `/`, `.` or `..`, so an id can never leave the keystore directory.
public struct WalletID: Sendable, Hashable, CustomStringConvertible {
    /// The validated id.
    public let rawValue: String

    /// The longest id accepted.
    public static let maxLength = 64

    /// `nil` when `text` breaks the pattern.
    public init?(_ text: String) {
        let bytes = Array(text.utf8)
        guard let first = bytes.first, bytes.count <= Self.maxLength, Self.isLowerAlphanumeric(first) else { return nil }
        for byte in bytes.dropFirst() where !(Self.isLowerAlphanumeric(byte) || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")) {
            return nil
        }
        rawValue = text
    }

    /// The id itself (ids are not secret).
    public var description: String { rawValue }

    private static func isLowerAlphanumeric(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }
}
