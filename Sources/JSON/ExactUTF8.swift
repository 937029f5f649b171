import Glibc

extension String {
    /// Whether both strings have exactly the same UTF-8 bytes (JSON keys compare by exact
    /// scalars, not by Swift's canonical equivalence). Native strings are compared with one
    /// `memcmp` over their contiguous storage; `utf8.elementsEqual` walks both views byte by
    /// byte through the generic `Sequence` path, which showed in the coordinator's and the
    /// benchmark client's profiles (issue 4).
    public func hasSameUTF8(as other: String) -> Bool {
        let left = utf8
        let right = other.utf8
        guard left.count == right.count else { return false }
        let compared = left.withContiguousStorageIfAvailable { a in
            right.withContiguousStorageIfAvailable { b -> Bool in
                guard let pa = a.baseAddress, let pb = b.baseAddress else { return a.count == b.count }
                return memcmp(pa, pb, a.count) == 0
            }
        }
        if let compared, let result = compared { return result }
        return left.elementsEqual(right)
    }
}
