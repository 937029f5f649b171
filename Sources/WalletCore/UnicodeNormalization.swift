// The standard library's own normalization (the data String comparison uses), reached through
// its `_Unicode` SPI: WalletCore then needs no Foundation, whose CoreFoundation start-up the wallet
// daemon paid in resident memory (issue 15's ≤ 20 MB idle).
@_spi(_Unicode) import Swift

/// NFC and NFKD without Foundation.
public enum UnicodeNormalization {
    /// NFC (wallet passwords, spec/wallet-daemon.md §8).
    public static func nfc(_ text: String) -> String {
        String(decoding: text._nfcCodeUnits, as: UTF8.self)
    }

    /// NFKD (BIP-39 sentences and passphrases): every scalar with a compatibility mapping is
    /// replaced by its full NFKD (`CompatibilityDecompositions`), then the standard library's NFD
    /// decomposes the rest and puts all combining marks in canonical order.
    public static func nfkd(_ text: String) -> String {
        var replaced = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if let mapping = compatibility[scalar.value] {
                for value in mapping { if let mapped = Unicode.Scalar(value) { replaced.append(mapped) } }
            } else {
                replaced.append(scalar)
            }
        }
        var out = String.UnicodeScalarView()
        for scalar in String(replaced)._nfd { out.append(scalar) }
        return String(out)
    }

    /// `CompatibilityDecompositions.table` parsed once, on the first NFKD.
    static let compatibility: [UInt32: [UInt32]] = {
        var map: [UInt32: [UInt32]] = [:]
        map.reserveCapacity(CompatibilityDecompositions.count)
        for line in CompatibilityDecompositions.table.split(separator: "\n") {
            let parts = line.split(separator: "=")
            guard parts.count == 2, let key = UInt32(parts[0], radix: 16) else { continue }
            map[key] = parts[1].split(separator: " ").compactMap { UInt32($0, radix: 16) }
        }
        return map
    }()
}
