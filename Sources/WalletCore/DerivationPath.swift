/// A SLIP-10 ed25519 derivation path such as `m/44'/12345'/0'/0'/0'`: hardened steps only.
///
/// ed25519 has no public (non-hardened) derivation (SLIP-10), so `m/…/0` without a hardened
/// marker is refused rather than silently hardened: the planned AIT path with a non-hardened
/// `change/index` (spec §6) would otherwise name a key other wallets cannot reproduce.
public struct DerivationPath: Sendable, Hashable, CustomStringConvertible {
    /// The deepest path accepted (keeps derivation cost and input size bounded).
    public static let maxDepth = 10
    /// The hardened offset 2^31 (SLIP-10 `i + 2^31`).
    public static let hardenedOffset: UInt32 = 0x8000_0000

    /// The step indices without the hardened bit, each below 2^31.
    public let indices: [UInt32]

    /// A path from step indices (each below 2^31; the hardened bit is implied).
    /// - Throws: `WalletCoreError.invalidDerivationPath` for an index ≥ 2^31 or too many steps.
    public init(hardened indices: [UInt32]) throws(WalletCoreError) {
        guard indices.count <= Self.maxDepth else { throw .invalidDerivationPath("more than \(Self.maxDepth) steps") }
        guard indices.allSatisfy({ $0 < Self.hardenedOffset }) else { throw .invalidDerivationPath("index must be below 2^31") }
        self.indices = indices
    }

    /// Parses `m` or `m/<n>'/<n>h/<n>H…`: decimal indices without sign or leading zeros,
    /// below 2^31, each marked hardened with `'`, `h` or `H`.
    /// - Throws: `WalletCoreError.nonHardenedIndex` for an unmarked step,
    ///   `.invalidDerivationPath` for anything else malformed.
    public init(parsing text: String) throws(WalletCoreError) {
        let utf8 = Array(text.utf8)
        guard utf8.count <= 16 * (Self.maxDepth + 1) else { throw .invalidDerivationPath("too long") }
        let parts = utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
        guard let first = parts.first, first.elementsEqual([UInt8(ascii: "m")]) else {
            throw .invalidDerivationPath("must start with \"m\"")
        }
        guard parts.count - 1 <= Self.maxDepth else { throw .invalidDerivationPath("more than \(Self.maxDepth) steps") }
        var indices: [UInt32] = []
        for (offset, part) in parts.dropFirst().enumerated() {
            let position = offset + 1
            var digits = Array(part)
            guard let last = digits.last else { throw .invalidDerivationPath("step \(position) is empty") }
            let hardened = last == UInt8(ascii: "'") || last == UInt8(ascii: "h") || last == UInt8(ascii: "H")
            if hardened { digits.removeLast() }
            guard !digits.isEmpty, digits.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
                digits.count == 1 || digits.first != UInt8(ascii: "0"), digits.count <= 10
            else { throw .invalidDerivationPath("step \(position) is not a decimal index") }
            var value: UInt64 = 0
            for digit in digits { value = value * 10 + UInt64(digit - UInt8(ascii: "0")) }
            guard value < UInt64(Self.hardenedOffset) else { throw .invalidDerivationPath("step \(position) is not below 2^31") }
            guard hardened else { throw .nonHardenedIndex(position: position) }
            indices.append(UInt32(value))
        }
        self.indices = indices
    }

    /// `m/44'/12345'/0'/0'/0'` form.
    public var description: String {
        (["m"] + indices.map { "\($0)'" }).joined(separator: "/")
    }
}
