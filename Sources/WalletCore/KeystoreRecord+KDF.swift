public import Cryptography

extension KeystoreRecord {
    /// Argon2id cost parameters as a record stores them (`kdf.t`, `kdf.m_kib`, `kdf.p`).
    ///
    /// Readers accept t 1–10, m_kib 8192–4194304 and p 1–16 (§4.2), and refuse anything else
    /// before running the KDF: a file cannot make the daemon spend 4 TiB or 2^32 passes.
    public struct KDFParameters: Sendable, Equatable, CustomStringConvertible {
        /// `kdf.name`.
        public static let name = "argon2id"
        /// `kdf.v`: Argon2 version 0x13.
        public static let argon2Version = 19
        /// `kdf.dklen`: the XChaCha20-Poly1305 key size.
        public static let keyLength = 32
        /// Accepted `t`.
        public static let iterationRange: ClosedRange<UInt32> = 1...10
        /// Accepted `m_kib`.
        public static let memoryRange: ClosedRange<UInt32> = 8192...4_194_304
        /// Accepted `p`.
        public static let parallelismRange: ClosedRange<UInt32> = 1...16
        /// Accepted salt sizes; writers use 16 (§3).
        public static let saltLengths = 16...64
        /// RFC 9106 §4's second recommended option with p = 2: t = 3, 64 MiB (spec §2 defaults).
        public static let standard = KDFParameters(checkedIterations: 3, memoryKiB: 65_536, parallelism: 2)

        /// Passes `t`.
        public let iterations: UInt32
        /// Memory `m` in KiB.
        public let memoryKiB: UInt32
        /// Lanes `p`.
        public let parallelism: UInt32

        /// Parameters within the reader bounds.
        /// - Throws: `WalletCoreError.invalidRecord` naming `kdf.t`, `kdf.m_kib` or `kdf.p`.
        public init(iterations: UInt32, memoryKiB: UInt32, parallelism: UInt32) throws(WalletCoreError) {
            guard Self.iterationRange.contains(iterations) else {
                throw .invalidRecord(field: "kdf.t", reason: "must be 1 to 10")
            }
            guard Self.memoryRange.contains(memoryKiB) else {
                throw .invalidRecord(field: "kdf.m_kib", reason: "must be 8192 to 4194304")
            }
            guard Self.parallelismRange.contains(parallelism) else {
                throw .invalidRecord(field: "kdf.p", reason: "must be 1 to 16")
            }
            self.init(checkedIterations: iterations, memoryKiB: memoryKiB, parallelism: parallelism)
        }

        private init(checkedIterations iterations: UInt32, memoryKiB: UInt32, parallelism: UInt32) {
            self.iterations = iterations
            self.memoryKiB = memoryKiB
            self.parallelism = parallelism
        }

        /// The same parameters for libargon2 (32-byte output).
        public var argon2: Argon2id.Parameters {
            Argon2id.Parameters(
                iterations: iterations, memoryKiB: memoryKiB, parallelism: parallelism, outputLength: Self.keyLength)
        }

        /// `t=3 m_kib=65536 p=2`.
        public var description: String { "t=\(iterations) m_kib=\(memoryKiB) p=\(parallelism)" }
    }
}
