import Foundation
import Testing
import WalletCore

/// WalletCore normalizes without Foundation (so the daemon does not link it); Foundation is the
/// reference here. The table comes from Unicode 14 (scripts/gen-nfkd-table.py), so scalars
/// assigned later are left out of the exhaustive comparison.
@Suite struct UnicodeNormalizationTests {
    static func olderThan15(_ scalar: Unicode.Scalar) -> Bool {
        guard let age = scalar.properties.age else { return false }
        return age.major < 15
    }

    @Test func nfkdMatchesFoundationForEveryBMPScalarOfUnicode14() {
        var mismatches: [String] = []
        for value in UInt32(0)...0xFFFF {
            guard let scalar = Unicode.Scalar(value), Self.olderThan15(scalar) else { continue }
            let text = String(Character(scalar))
            if UnicodeNormalization.nfkd(text) != text.decomposedStringWithCompatibilityMapping {
                mismatches.append(String(value, radix: 16))
            }
        }
        #expect(mismatches.isEmpty, "first mismatches: \(mismatches.prefix(20))")
    }

    @Test(arguments: [
        "TREZOR", "ﬁancé", "Ｔｅｓｔ １２３", "e\u{0301}\u{0323}x", "x\u{0323}\u{0301}", "한국어", "㍻ ㎏ ℌ",
        "ｱｲｳ ｶﾞ", "Å Ω K", "𝐀𝐁𝐂 ½ ⁴", "pass phrase\u{00A0}with nbsp", "",
    ])
    func nfkdAndNFCMatchFoundationForMixedText(_ text: String) {
        #expect(Array(UnicodeNormalization.nfkd(text).unicodeScalars) == Array(text.decomposedStringWithCompatibilityMapping.unicodeScalars))
        #expect(Array(UnicodeNormalization.nfc(text).unicodeScalars) == Array(text.precomposedStringWithCanonicalMapping.unicodeScalars))
    }

    @Test func nfcComposesWhatNFDTookApart() {
        #expect(Array(UnicodeNormalization.nfc("e\u{0301}").unicodeScalars) == ["\u{00E9}"])
        #expect(Array(UnicodeNormalization.nfc("\u{1100}\u{1161}").unicodeScalars) == ["\u{AC00}"])
        // NFC keeps compatibility characters (only NFKD maps them).
        #expect(UnicodeNormalization.nfc("ﬁ") == "ﬁ")
    }
}
