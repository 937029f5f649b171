import CSodium

/// Comparisons whose running time does not depend on where inputs differ.
public enum ConstantTime {
    /// Whether `a` and `b` hold the same bytes, compared with `sodium_memcmp` (constant time
    /// for equal lengths; unequal lengths return false at once, lengths are not secret).
    public static func equals(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
        guard a.count == b.count else { return false }
        guard a.count > 0, let pa = a.baseAddress, let pb = b.baseAddress else { return true }
        Sodium.ensureInitialized()
        return sodium_memcmp(pa, pb, a.count) == 0
    }

    /// Whether `a` and `b` hold the same bytes (see the buffer variant).
    public static func equals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        a.withUnsafeBytes { pa in b.withUnsafeBytes { pb in equals(pa, pb) } }
    }
}
