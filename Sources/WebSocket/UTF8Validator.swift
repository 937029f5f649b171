/// Incremental UTF-8 validator (RFC 3629 §4), so text can be checked fragment by fragment and
/// a connection fails as soon as invalid data arrives (RFC 6455 §8.1), even when a code point
/// is split across frames.
public struct UTF8Validator: Sendable, Hashable {
    /// Continuation bytes still expected for the current code point.
    private var needed = 0
    /// Allowed range for the next continuation byte; narrower after E0, ED, F0, F4 to
    /// exclude overlongs, surrogates and code points above U+10FFFF.
    private var lower: UInt8 = 0x80
    private var upper: UInt8 = 0xBF

    /// A validator at a code point boundary.
    public init() {}

    /// Consumes `bytes`; returns `false` at the first byte that cannot be valid UTF-8.
    public mutating func feed(_ bytes: some Sequence<UInt8>) -> Bool {
        for byte in bytes {
            if needed == 0 {
                switch byte {
                case 0x00...0x7F: continue
                case 0xC2...0xDF: needed = 1
                case 0xE0: needed = 2; lower = 0xA0
                case 0xE1...0xEC, 0xEE...0xEF: needed = 2
                case 0xED: needed = 2; upper = 0x9F
                case 0xF0: needed = 3; lower = 0x90
                case 0xF1...0xF3: needed = 3
                case 0xF4: needed = 3; upper = 0x8F
                default: return false
                }
            } else {
                guard byte >= lower && byte <= upper else { return false }
                lower = 0x80
                upper = 0xBF
                needed -= 1
            }
        }
        return true
    }

    /// Whether the input so far ends on a code point boundary (required at the end of a message).
    public var isComplete: Bool { needed == 0 }
}
