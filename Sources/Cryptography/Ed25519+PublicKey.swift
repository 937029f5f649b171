import CSodium

extension Ed25519 {
    /// A verifying key: 32 bytes.
    public struct PublicKey: Sendable, Hashable, CustomStringConvertible {
        /// The raw 32 bytes.
        public let rawRepresentation: [UInt8]

        /// Wraps 32 raw bytes.
        /// - Throws: `CryptographyError.invalidLength` unless there are 32 bytes.
        public init(rawRepresentation: [UInt8]) throws(CryptographyError) {
            guard rawRepresentation.count == Ed25519.publicKeyLength else {
                throw .invalidLength(
                    what: "Ed25519 public key", expected: Ed25519.publicKeyLength, actual: rawRepresentation.count)
            }
            self.rawRepresentation = rawRepresentation
        }

        /// Parses 64 hex characters.
        /// - Throws: `CryptographyError.invalidHex` or `.invalidLength`.
        public init(hex: String) throws(CryptographyError) {
            try self.init(rawRepresentation: Hex.decode(hex))
        }

        /// Whether the key is a point a signer could hold: on the curve, canonically encoded, and
        /// not of small order. An all-zero or other small-order key verifies forged signatures
        /// under some implementations, so a key someone asks us to pin must pass this
        /// (`crypto_core_ed25519_is_valid_point`).
        public var isValidPoint: Bool {
            rawRepresentation.withUnsafeBufferPointer { key in
                guard let base = key.baseAddress else { return false }
                return crypto_core_ed25519_is_valid_point(base) == 1
            }
        }

        /// Unpadded base64url of the raw key (43 characters): the `key_id` of receipts.
        public var keyID: String { Base64URL.encode(rawRepresentation) }

        /// The `ait1…` account address of this key.
        public var address: AccountAddress { AccountAddress(publicKey: self) }

        /// Lowercase hex of the raw key.
        public var hex: String { Hex.encode(rawRepresentation) }

        /// The key ID.
        public var description: String { keyID }

        /// Whether `signature` is a valid Ed25519 signature of `message` by this key
        /// (`crypto_sign_verify_detached`, which rejects a non-canonical S ≥ L as RFC 8032
        /// §5.1.7 requires, and small-order keys and R values).
        public func isValidSignature(_ signature: [UInt8], for message: UnsafeRawBufferPointer) -> Bool {
            guard signature.count == Ed25519.signatureLength else { return false }
            Sodium.ensureInitialized()
            return crypto_sign_verify_detached(
                signature, message.baseAddress?.assumingMemoryBound(to: UInt8.self), UInt64(message.count),
                rawRepresentation) == 0
        }

        /// Whether `signature` is a valid Ed25519 signature of `message` by this key.
        public func isValidSignature(_ signature: [UInt8], for message: [UInt8]) -> Bool {
            message.withUnsafeBytes { isValidSignature(signature, for: $0) }
        }
    }
}
