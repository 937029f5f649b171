/// An AITBC account address: bech32 (BIP-173) with HRP `ait` over the first 20 bytes of
/// SHA-256(Ed25519 public key), e.g. `ait1…` (42 characters).
public struct AccountAddress: Sendable, Hashable, CustomStringConvertible {
    /// The human-readable part of every address.
    public static let humanReadablePart = "ait"
    /// How many bytes of the key hash the address keeps.
    public static let hashLength = 20

    /// The 20-byte key hash.
    public let keyHash: [UInt8]

    /// The address of `publicKey`.
    public init(publicKey: Ed25519.PublicKey) {
        keyHash = Array(SHA256.hash(publicKey.rawRepresentation).prefix(AccountAddress.hashLength))
    }

    /// Parses `ait1…` text (either case, not mixed).
    /// - Throws: `CryptographyError.invalidBech32` for a bad string, another HRP, or a payload
    ///   that is not 20 bytes.
    public init(parsing text: String) throws(CryptographyError) {
        let (hrp, values) = try Bech32.decode(text)
        guard hrp == AccountAddress.humanReadablePart else { throw .invalidBech32("human-readable part is not \"ait\"") }
        let bytes = try Bech32.convertBits(values, from: 5, to: 8, pad: false)
        guard bytes.count == AccountAddress.hashLength else {
            throw .invalidLength(what: "address key hash", expected: AccountAddress.hashLength, actual: bytes.count)
        }
        keyHash = bytes
    }

    /// The lowercase `ait1…` text.
    public var description: String {
        do {
            let values = try Bech32.convertBits(keyHash, from: 8, to: 5, pad: true)
            return try Bech32.encode(hrp: AccountAddress.humanReadablePart, data: values)
        } catch {
            // 20 bytes under "ait" always fit bech32's limits; init guarantees the length.
            preconditionFailure("address encoding failed: \(error)")
        }
    }
}
