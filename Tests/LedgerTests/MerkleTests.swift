import Cryptography
import Ledger
import Testing

/// The Merkle tree of every root in a header, against SHA-256 computed by hand here.
@Suite struct MerkleTests {
    static let a = Array("a".utf8)
    static let b = Array("b".utf8)
    static let c = Array("c".utf8)
    static let d = Array("d".utf8)
    static let e = Array("e".utf8)

    static func leaf(_ data: [UInt8]) -> [UInt8] { SHA256.hash([0x00] + data) }
    static func node(_ left: [UInt8], _ right: [UInt8]) -> [UInt8] { SHA256.hash([0x01] + left + right) }

    @Test func emptyTreeRootIsThirtyTwoZeroBytes() {
        #expect(Merkle.root(leaves: []) == [UInt8](repeating: 0, count: 32))
        #expect(Merkle.root(leafHashes: []) == Merkle.emptyRoot)
        #expect(Merkle.emptyRoot == [UInt8](repeating: 0, count: 32))
    }

    @Test func oneLeafRootIsItsLeafHash() {
        #expect(Merkle.root(leaves: [Self.a]) == Self.leaf(Self.a))
        // SHA-256(0x00 ‖ "a"), by Python's hashlib.
        #expect(hex(Self.leaf(Self.a)) == "022a6979e6dab7aa5ae4c3e5e45f7e977112a7e63593820dbec1ec738a24f93c")
    }

    @Test func twoLeavesAreOneNode() {
        #expect(Merkle.root(leaves: [Self.a, Self.b]) == Self.node(Self.leaf(Self.a), Self.leaf(Self.b)))
    }

    @Test func threeLeavesPromoteTheOddOneUnchanged() {
        let expected = Self.node(Self.node(Self.leaf(Self.a), Self.leaf(Self.b)), Self.leaf(Self.c))
        #expect(Merkle.root(leaves: [Self.a, Self.b, Self.c]) == expected)
    }

    @Test func fiveLeavesPromoteTheOddOneUpTwoLevels() {
        let left = Self.node(Self.node(Self.leaf(Self.a), Self.leaf(Self.b)), Self.node(Self.leaf(Self.c), Self.leaf(Self.d)))
        #expect(Merkle.root(leaves: [Self.a, Self.b, Self.c, Self.d, Self.e]) == Self.node(left, Self.leaf(Self.e)))
    }

    @Test func leafAndNodeHashesAreDomainSeparated() {
        #expect(Merkle.leafHash(Self.a) == Self.leaf(Self.a))
        #expect(Merkle.leafHash(Self.a) != SHA256.hash(Self.a))
        #expect(Merkle.nodeHash(Self.a, Self.b) == Self.node(Self.a, Self.b))
        // A leaf whose data is two leaf hashes side by side is not the node over them: an inner
        // node can never be passed off as a leaf (or the reverse).
        let la = Self.leaf(Self.a)
        let lb = Self.leaf(Self.b)
        #expect(Merkle.root(leaves: [la + lb]) != Merkle.root(leaves: [Self.a, Self.b]))
        #expect(Merkle.leafHash(la + lb) != Merkle.nodeHash(la, lb))
    }

    @Test func duplicatingTheLastLeafChangesTheRoot() {
        // Bitcoin's pairing of an odd node with itself gives [a,b,c] and [a,b,c,c] one root
        // (CVE-2012-2459); promotion does not.
        #expect(Merkle.root(leaves: [Self.a, Self.b, Self.c]) != Merkle.root(leaves: [Self.a, Self.b, Self.c, Self.c]))
        #expect(Merkle.root(leaves: [Self.a, Self.b, Self.c, Self.d, Self.e]) != Merkle.root(leaves: [Self.a, Self.b, Self.c, Self.d, Self.e, Self.e]))
    }

    @Test func orderOfLeavesMatters() {
        #expect(Merkle.root(leaves: [Self.a, Self.b]) != Merkle.root(leaves: [Self.b, Self.a]))
    }
}
