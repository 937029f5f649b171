/// Splits byte strings into pieces for drip-feeding decoders: one byte at a time or at
/// seeded random points, so a failing split can be replayed from its reported seed.
public struct HTTPByteSplitter: Sendable {
    /// The seed that reproduces this splitter's choices.
    public let seed: UInt64
    var state: UInt64

    /// A splitter whose random choices follow `seed` (SplitMix64).
    public init(seed: UInt64) {
        self.seed = seed
        self.state = seed
    }

    /// A splitter seeded from the system random source; report `seed` when a test fails.
    public static func random() -> HTTPByteSplitter { HTTPByteSplitter(seed: UInt64.random(in: 0...UInt64.max)) }

    /// The next pseudo-random number.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Cuts `bytes` into consecutive pieces of 1...`maxPiece` bytes.
    public mutating func split(_ bytes: [UInt8], maxPiece: Int = 16) -> [[UInt8]] {
        var pieces: [[UInt8]] = []
        var index = 0
        let largest = UInt64(max(1, maxPiece))
        while index < bytes.count {
            let length = min(bytes.count - index, Int(next() % largest) + 1)
            pieces.append(Array(bytes[index..<(index + length)]))
            index += length
        }
        return pieces
    }

    /// One-byte pieces.
    public static func bytewise(_ bytes: [UInt8]) -> [[UInt8]] { bytes.map { [$0] } }
}
