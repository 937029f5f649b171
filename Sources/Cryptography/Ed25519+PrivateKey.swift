import CSodium

extension Ed25519 {
    /// A signing key. Holds libsodium's 64-byte secret key (seed ‖ public key) in `SecureBytes`.
    public struct PrivateKey: Sendable {
        private let secretKey: SecureBytes
        /// The matching public key.
        public let publicKey: PublicKey

        /// Derives the key pair from a 32-byte seed (`crypto_sign_seed_keypair`).
        /// - Throws: `CryptographyError.invalidLength` unless the seed has 32 bytes.
        public init(seed: SecureBytes) throws(CryptographyError) {
            guard seed.count == Ed25519.seedLength else {
                throw .invalidLength(what: "Ed25519 seed", expected: Ed25519.seedLength, actual: seed.count)
            }
            Sodium.ensureInitialized()
            var publicBytes = [UInt8](repeating: 0, count: Ed25519.publicKeyLength)
            var rc: Int32 = 0
            secretKey = SecureBytes(count: Int(crypto_sign_SECRETKEYBYTES)) { secretBuffer in
                seed.withUnsafeBytes { seedBuffer in
                    guard let secretPointer = secretBuffer.baseAddress?.assumingMemoryBound(to: UInt8.self),
                        let seedPointer = seedBuffer.baseAddress?.assumingMemoryBound(to: UInt8.self)
                    else { rc = -1; return }
                    rc = crypto_sign_seed_keypair(&publicBytes, secretPointer, seedPointer)
                }
            }
            guard rc == 0 else { throw .libraryFailure(function: "crypto_sign_seed_keypair", code: rc) }
            publicKey = try PublicKey(rawRepresentation: publicBytes)
        }

        /// Derives the key pair from seed bytes.
        /// - Throws: `CryptographyError.invalidLength` unless there are 32 bytes.
        public init(seedBytes: [UInt8]) throws(CryptographyError) {
            try self.init(seed: SecureBytes(copying: seedBytes))
        }

        /// Derives the key pair from a seed written as 64 hex characters (how keys are configured).
        /// - Throws: `CryptographyError.invalidHex` or `.invalidLength`.
        public init(seedHex: String) throws(CryptographyError) {
            try self.init(seed: Hex.decodeSecure(seedHex))
        }

        /// A new key pair from a random seed.
        public static func generate() -> PrivateKey {
            do {
                return try PrivateKey(seed: SecureBytes.random(count: Ed25519.seedLength))
            } catch {
                // A 32-byte seed is always accepted; reaching this is a programming error.
                preconditionFailure("Ed25519 key generation failed: \(error)")
            }
        }

        /// The 32-byte seed this key was made from (the first half of libsodium's secret key).
        public var seed: SecureBytes {
            secretKey.withUnsafeBytes { buffer in
                SecureBytes(copying: UnsafeRawBufferPointer(rebasing: buffer[0..<Ed25519.seedLength]))
            }
        }

        /// The 64-byte deterministic signature of `message` (`crypto_sign_detached`).
        public func signature(for message: UnsafeRawBufferPointer) -> [UInt8] {
            var signature = [UInt8](repeating: 0, count: Ed25519.signatureLength)
            let rc = secretKey.withUnsafeBytes { secretBuffer in
                guard let secretPointer = secretBuffer.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return Int32(-1) }
                return crypto_sign_detached(
                    &signature, nil, message.baseAddress?.assumingMemoryBound(to: UInt8.self), UInt64(message.count),
                    secretPointer)
            }
            // crypto_sign_detached cannot fail for a well-formed secret key, which init guarantees.
            precondition(rc == 0, "crypto_sign_detached failed")
            return signature
        }

        /// The 64-byte deterministic signature of `message`.
        public func signature(for message: [UInt8]) -> [UInt8] {
            message.withUnsafeBytes { signature(for: $0) }
        }
    }
}

extension Ed25519.PrivateKey: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// Names the public key only.
    public var description: String { "Ed25519.PrivateKey(public: \(publicKey.keyID))" }
    /// Names the public key only.
    public var debugDescription: String { description }
    /// A mirror without the secret.
    public var customMirror: Mirror { Mirror(self, children: ["publicKey": publicKey], displayStyle: .struct) }
}
