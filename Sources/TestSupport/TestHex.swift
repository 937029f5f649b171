/// Hex to bytes for test vectors, written without the code under test's helpers (a broken
/// `Hex` must not agree with itself); a bad digit pair reads as 0.
public func bytes(hex: String) -> [UInt8] {
    var out: [UInt8] = []
    var iterator = hex.utf8.makeIterator()
    while let high = iterator.next(), let low = iterator.next() {
        out.append(UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16) ?? 0)
    }
    return out
}
