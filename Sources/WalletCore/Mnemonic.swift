public import Cryptography
import CSodium
import FoundationEssentials
import Glibc

/// A BIP-39 English mnemonic, held as its entropy in `SecureBytes` (spec/wallet-daemon.md §6).
///
/// Words are derived on demand, so no long-lived `String` holds the sentence; `words` and
/// `phrase` exist to show the sentence once to the user who created it.
public struct Mnemonic: Sendable, CustomStringConvertible {
    /// Why a sentence or entropy is not a valid mnemonic. Positions count words from 1; the
    /// offending word itself is never echoed (it is part of a secret).
    public enum Problem: Sendable, Equatable, CustomStringConvertible {
        /// Not 12, 15, 18, 21 or 24 words.
        case wordCount(Int)
        /// The word at `position` is not in the English list.
        case unknownWord(position: Int)
        /// The checksum bits do not match SHA-256 of the entropy.
        case checksum
        /// Entropy that is not 16, 20, 24, 28 or 32 bytes.
        case entropyLength(Int)

        /// Text for a 400 `detail`.
        public var description: String {
            switch self {
            case .wordCount(let count): return "mnemonic must have 12, 15, 18, 21 or 24 words, not \(count)"
            case .unknownWord(let position): return "mnemonic word \(position) is not in the BIP-39 English list"
            case .checksum: return "mnemonic checksum does not match"
            case .entropyLength(let count): return "mnemonic entropy must be 16, 20, 24, 28 or 32 bytes, not \(count)"
            }
        }
    }

    /// The accepted sentence lengths.
    public static let wordCounts = [12, 15, 18, 21, 24]
    /// BIP-39: 2048 PBKDF2 rounds.
    public static let seedIterations = 2048
    /// BIP-39 seeds are 64 bytes.
    public static let seedLength = 64

    /// The 128–256-bit entropy the sentence encodes.
    public let entropy: SecureBytes

    /// The mnemonic of `entropy` (16, 20, 24, 28 or 32 bytes).
    /// - Throws: `WalletCoreError.invalidMnemonic(.entropyLength)`.
    public init(entropy: SecureBytes) throws(WalletCoreError) {
        guard [16, 20, 24, 28, 32].contains(entropy.count) else { throw .invalidMnemonic(.entropyLength(entropy.count)) }
        self.entropy = entropy
    }

    /// A new random mnemonic of `wordCount` words (CSPRNG entropy).
    /// - Throws: `WalletCoreError.invalidMnemonic(.wordCount)` for a count not in `wordCounts`.
    public static func generate(wordCount: Int = 24) throws(WalletCoreError) -> Mnemonic {
        guard wordCounts.contains(wordCount) else { throw .invalidMnemonic(.wordCount(wordCount)) }
        return try Mnemonic(entropy: SecureBytes.random(count: wordCount * 4 / 3))
    }

    /// Parses a sentence: NFKD, split on any whitespace, every word in the English list,
    /// checksum verified.
    /// - Throws: `WalletCoreError.invalidMnemonic` with `.wordCount`, `.unknownWord` or `.checksum`.
    public init(parsing sentence: String) throws(WalletCoreError) {
        let words = UnicodeNormalization.nfkd(sentence).split(whereSeparator: \.isWhitespace)
        guard Self.wordCounts.contains(words.count) else { throw .invalidMnemonic(.wordCount(words.count)) }
        var indices = [UInt16](repeating: 0, count: words.count)
        defer { Self.wipe(&indices) }
        for (offset, word) in words.enumerated() {
            guard let index = BIP39Wordlist.indices[String(word)] else {
                throw .invalidMnemonic(.unknownWord(position: offset + 1))
            }
            indices[offset] = UInt16(index)
        }
        let entropyBits = words.count * 11 * 32 / 33
        var mismatch = false
        let entropy = SecureBytes(count: entropyBits / 8) { out in
            for bit in 0..<entropyBits where Self.bit(bit, of: indices) {
                out[bit / 8] |= 0x80 >> UInt8(bit % 8)
            }
            var digest = SHA256.hash(UnsafeRawBufferPointer(out))
            defer { Self.wipe(&digest) }
            for bit in 0..<(words.count * 11 - entropyBits) {
                let expected = digest[bit / 8] & (0x80 >> UInt8(bit % 8)) != 0
                if Self.bit(entropyBits + bit, of: indices) != expected { mismatch = true }
            }
        }
        guard !mismatch else { throw .invalidMnemonic(.checksum) }
        self.entropy = entropy
    }

    /// The words, in order. A secret: show it once, never log it.
    public var words: [String] {
        var indices = wordIndices()
        defer { Self.wipe(&indices) }
        return indices.map { BIP39Wordlist.words[Int($0)] }
    }

    /// The sentence, words separated by single spaces. A secret.
    public var phrase: String { words.joined(separator: " ") }

    /// The 64-byte BIP-39 seed: PBKDF2-HMAC-SHA512(NFKD(sentence), "mnemonic" + NFKD(passphrase),
    /// 2048 rounds). English list words are ASCII, so NFKD leaves the sentence unchanged.
    /// - Throws: `WalletCoreError` only if PBKDF2 refuses its parameters (it does not here).
    public func seed(passphrase: String = "") throws(WalletCoreError) -> SecureBytes {
        var indices = wordIndices()
        defer { Self.wipe(&indices) }
        // Built from the list words straight into secret memory: no array of the sentence's
        // words (or references to them) outlives this call.
        let length = indices.reduce(indices.count - 1) { $0 + BIP39Wordlist.words[Int($1)].utf8.count }
        let sentence = SecureBytes(count: length) { out in
            var offset = 0
            for (position, index) in indices.enumerated() {
                if position > 0 {
                    out[offset] = UInt8(ascii: " ")
                    offset += 1
                }
                for byte in BIP39Wordlist.words[Int(index)].utf8 {
                    out[offset] = byte
                    offset += 1
                }
            }
        }
        var salt = Array("mnemonic".utf8) + Array(UnicodeNormalization.nfkd(passphrase).utf8)
        defer { Self.wipe(&salt) }
        return try PBKDF2HMACSHA512.derive(
            password: sentence, salt: salt, iterations: Self.seedIterations, length: Self.seedLength)
    }

    /// Never the words.
    public var description: String { "Mnemonic(\(entropy.count * 3 / 4) words, redacted)" }

    /// The 11-bit word indices of entropy ‖ checksum.
    private func wordIndices() -> [UInt16] {
        entropy.withUnsafeBytes { bytes in
            let entropyBits = bytes.count * 8
            let checksumBits = entropyBits / 32
            var digest = SHA256.hash(bytes)
            defer { Self.wipe(&digest) }
            func bit(_ index: Int) -> Bool {
                index < entropyBits
                    ? bytes[index / 8] & (0x80 >> UInt8(index % 8)) != 0
                    : digest[(index - entropyBits) / 8] & (0x80 >> UInt8((index - entropyBits) % 8)) != 0
            }
            let count = (entropyBits + checksumBits) / 11
            var indices = [UInt16](repeating: 0, count: count)
            for word in 0..<count {
                for position in 0..<11 where bit(word * 11 + position) { indices[word] |= 1 << UInt16(10 - position) }
            }
            return indices
        }
    }

    private static func bit(_ index: Int, of indices: [UInt16]) -> Bool {
        indices[index / 11] & (1 << UInt16(10 - index % 11)) != 0
    }

    private static func wipe<T>(_ array: inout [T]) {
        array.withUnsafeMutableBytes { if let base = $0.baseAddress { sodium_memzero(base, $0.count) } }
    }
}
