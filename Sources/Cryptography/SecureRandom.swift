import CSodium

/// Randomness from libsodium (`randombytes_buf`, the OS CSPRNG).
public enum SecureRandom {
    /// `count` random bytes.
    public static func bytes(count: Int) -> [UInt8] {
        precondition(count >= 0, "count must not be negative")
        Sodium.ensureInitialized()
        var out = [UInt8](repeating: 0, count: count)
        out.withUnsafeMutableBytes { buffer in
            if let base = buffer.baseAddress { randombytes_buf(base, buffer.count) }
        }
        return out
    }

    /// A uniform random number in `0..<upperBound` without modulo bias (`randombytes_uniform`).
    public static func uniform(below upperBound: UInt32) -> UInt32 {
        Sodium.ensureInitialized()
        return randombytes_uniform(upperBound)
    }
}

/// A `RandomNumberGenerator` backed by libsodium, for `shuffled(using:)` and friends.
public struct SodiumRandomNumberGenerator: RandomNumberGenerator, Sendable {
    /// Creates the generator.
    public init() { Sodium.ensureInitialized() }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        var value: UInt64 = 0
        withUnsafeMutableBytes(of: &value) { buffer in
            if let base = buffer.baseAddress { randombytes_buf(base, buffer.count) }
        }
        return value
    }
}
