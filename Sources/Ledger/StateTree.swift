import Cryptography
public import WireModels
/// The state root (docs/chain-node.md "State root"): a Merkle root over every account's
/// `(address, balance, nonce)` leaf, sorted by the address's 20-byte key hash, kept so a block
/// costs work in proportion to the accounts it touched, not to all accounts.
///
/// Accounts fall into 65,536 buckets by the first two bytes of their key hash (uniform: it is a
/// SHA-256 prefix). A bucket's root is the Merkle root of its sorted leaves (32 zero bytes when
/// empty); the state root is the Merkle root of the 65,536 bucket roots in bucket order, a full
/// binary tree of depth 16. Changing one account re-hashes its bucket (≈ n/65,536 leaves) and
/// 16 inner nodes. Sorting all leaves and bucketing by prefix keeps the leaves in address
/// order across buckets, so the root is still a function of the sorted account list alone.
public struct StateTree: Sendable {
    /// Buckets by key-hash prefix.
    public static let bucketBits = 16
    static let bucketCount = 1 << bucketBits

    struct Entry: Sendable {
        var key: Key20
        var leaf: Digest32
    }

    private var buckets: [[Entry]]
    /// levels[0] = bucket roots … levels[16] = [root].
    private var levels: [[Digest32]]
    private var dirty: Set<Int> = []

    /// An empty state.
    public init() {
        buckets = Array(repeating: [], count: Self.bucketCount)
        var levels: [[Digest32]] = [Array(repeating: .zero, count: Self.bucketCount)]
        var width = Self.bucketCount
        var node = Digest32.zero
        while width > 1 {
            width /= 2
            node = Digest32(Merkle.nodeHash(node.bytes, node.bytes))
            levels.append(Array(repeating: node, count: width))
        }
        self.levels = levels
    }

    /// A state holding `accounts`.
    public init(accounts: some Sequence<AccountState>) {
        self.init()
        for account in accounts { insertUnsorted(account) }
        for index in dirty { buckets[index].sort { $0.key < $1.key } }
    }

    /// How many accounts the tree holds.
    public var count: Int { buckets.reduce(0) { $0 + $1.count } }

    /// Sets an account's leaf (inserting it when new). Zero-balance, zero-nonce accounts stay
    /// in the tree once present, like their rows.
    public mutating func update(_ account: AccountState) {
        let key = Key20(account.address.accountAddress.keyHash)
        let index = key.bucket
        let entry = Entry(key: key, leaf: Digest32(Merkle.leafHash(account.leafData)))
        var bucket = buckets[index]
        var low = 0
        var high = bucket.count
        while low < high {
            let mid = (low + high) / 2
            if bucket[mid].key < key { low = mid + 1 } else { high = mid }
        }
        if low < bucket.count, bucket[low].key == key {
            bucket[low] = entry
        } else {
            bucket.insert(entry, at: low)
        }
        buckets[index] = bucket
        dirty.insert(index)
    }

    /// Removes an account's leaf (a reorg unwinding the block that created it); no-op when
    /// absent.
    public mutating func remove(_ address: Address) {
        let key = Key20(address.accountAddress.keyHash)
        let index = key.bucket
        guard let position = buckets[index].firstIndex(where: { $0.key == key }) else { return }
        buckets[index].remove(at: position)
        dirty.insert(index)
    }

    private mutating func insertUnsorted(_ account: AccountState) {
        let key = Key20(account.address.accountAddress.keyHash)
        buckets[key.bucket].append(Entry(key: key, leaf: Digest32(Merkle.leafHash(account.leafData))))
        dirty.insert(key.bucket)
    }

    /// The root, re-hashing only what changed since the last call.
    public var root: [UInt8] {
        mutating get {
            if !dirty.isEmpty {
                var parents: Set<Int> = []
                for index in dirty {
                    let leaves = buckets[index].map(\.leaf.bytes)
                    levels[0][index] = Digest32(Merkle.root(leafHashes: leaves))
                    parents.insert(index / 2)
                }
                dirty = []
                for level in 1..<levels.count {
                    var next: Set<Int> = []
                    for index in parents {
                        levels[level][index] = Digest32(Merkle.nodeHash(levels[level - 1][2 * index].bytes, levels[level - 1][2 * index + 1].bytes))
                        next.insert(index / 2)
                    }
                    parents = next
                }
            }
            return levels[levels.count - 1][0].bytes
        }
    }
}

/// A 20-byte key hash as three integers: compact (no heap array per account) and ordered as
/// the bytes are.
struct Key20: Hashable, Comparable, Sendable {
    let high: UInt64
    let middle: UInt64
    let low: UInt32

    init(_ bytes: [UInt8]) {
        var high: UInt64 = 0
        var middle: UInt64 = 0
        var low: UInt32 = 0
        for index in 0..<8 { high = high << 8 | UInt64(bytes.count > index ? bytes[index] : 0) }
        for index in 8..<16 { middle = middle << 8 | UInt64(bytes.count > index ? bytes[index] : 0) }
        for index in 16..<20 { low = low << 8 | UInt32(bytes.count > index ? bytes[index] : 0) }
        self.high = high
        self.middle = middle
        self.low = low
    }

    /// The first two bytes.
    var bucket: Int { Int(high >> 48) }

    static func < (lhs: Key20, rhs: Key20) -> Bool {
        (lhs.high, lhs.middle, lhs.low) < (rhs.high, rhs.middle, rhs.low)
    }
}

/// A SHA-256 digest without a heap allocation.
struct Digest32: Sendable, Equatable {
    let a: UInt64, b: UInt64, c: UInt64, d: UInt64

    static let zero = Digest32(a: 0, b: 0, c: 0, d: 0)

    init(a: UInt64, b: UInt64, c: UInt64, d: UInt64) {
        self.a = a
        self.b = b
        self.c = c
        self.d = d
    }

    init(_ bytes: [UInt8]) {
        func word(_ start: Int) -> UInt64 {
            var value: UInt64 = 0
            for index in start..<start + 8 { value = value << 8 | UInt64(bytes.count > index ? bytes[index] : 0) }
            return value
        }
        self.init(a: word(0), b: word(8), c: word(16), d: word(24))
    }

    var bytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(32)
        for word in [a, b, c, d] { BlockHeader.append(word, to: &out) }
        return out
    }
}
