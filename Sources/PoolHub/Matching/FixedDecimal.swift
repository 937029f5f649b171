import Glibc

/// `%.Nf` formatting (the reference's `"%.3f" % score`): glibc's printf rounds the exact binary
/// value correctly, as Python's formatting does, so the explain strings agree digit for digit.
enum FixedDecimal {
    static func format(_ value: Double, places: Int32) -> String {
        var buffer = [CChar](repeating: 0, count: 64)
        let written = withVaList([places, value]) { arguments in
            buffer.withUnsafeMutableBufferPointer { vsnprintf($0.baseAddress, $0.count, "%.*f", arguments) }
        }
        // A double printed with a few decimals always fits 64 bytes except for huge magnitudes,
        // which scores never have; fall back to Swift's shortest form rather than truncate.
        guard written > 0, Int(written) < buffer.count else { return "\(value)" }
        return String(decoding: buffer.prefix(Int(written)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
