import Cryptography

/// The binary Merkle tree every root in a block header uses (tx, receipts, state buckets).
///
/// Leaves and inner nodes are hashed with different one-byte prefixes (RFC 6962 §2.1), so a
/// leaf can never pass for an inner node. An odd node at the end of a level is promoted
/// unchanged instead of paired with itself: duplicating it (Bitcoin's rule) lets two different
/// lists share a root (CVE-2012-2459). The empty tree's root is 32 zero bytes.
public enum Merkle {
    /// 32 zero bytes: the root of no leaves.
    public static let emptyRoot = [UInt8](repeating: 0, count: 32)

    /// SHA-256(0x00 ‖ data).
    public static func leafHash(_ data: [UInt8]) -> [UInt8] {
        var hasher = SHA256.Hasher()
        hasher.update([0x00])
        hasher.update(data)
        return hasher.finalize()
    }

    /// SHA-256(0x01 ‖ left ‖ right).
    public static func nodeHash(_ left: [UInt8], _ right: [UInt8]) -> [UInt8] {
        var hasher = SHA256.Hasher()
        hasher.update([0x01])
        hasher.update(left)
        hasher.update(right)
        return hasher.finalize()
    }

    /// The root over already-hashed leaves, in order.
    public static func root(leafHashes: [[UInt8]]) -> [UInt8] {
        guard !leafHashes.isEmpty else { return emptyRoot }
        var level = leafHashes
        while level.count > 1 {
            var next: [[UInt8]] = []
            next.reserveCapacity((level.count + 1) / 2)
            var index = 0
            while index + 1 < level.count {
                next.append(nodeHash(level[index], level[index + 1]))
                index += 2
            }
            if index < level.count { next.append(level[index]) }
            level = next
        }
        return level[0]
    }

    /// The root over `leaves` (each hashed with `leafHash`), in order.
    public static func root(leaves: [[UInt8]]) -> [UInt8] {
        root(leafHashes: leaves.map(leafHash))
    }
}
