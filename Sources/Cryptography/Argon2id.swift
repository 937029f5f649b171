import CArgon2
import Dispatch

/// Argon2id (RFC 9106, version 0x13) raw hashing via libargon2.
///
/// Memory-hard and slow on purpose: call the `async` variant from async code so the work
/// runs on a Dispatch queue instead of blocking the cooperative pool.
public enum Argon2id {
    /// Cost parameters (RFC 9106 §3.1).
    public struct Parameters: Sendable, Equatable {
        /// Number of passes `t`.
        public var iterations: UInt32
        /// Memory `m` in KiB (at least 8 × parallelism).
        public var memoryKiB: UInt32
        /// Lanes `p` (also the thread count used).
        public var parallelism: UInt32
        /// Tag length in bytes (at least 4).
        public var outputLength: Int

        /// Creates parameters.
        public init(iterations: UInt32, memoryKiB: UInt32, parallelism: UInt32, outputLength: Int = 32) {
            self.iterations = iterations
            self.memoryKiB = memoryKiB
            self.parallelism = parallelism
            self.outputLength = outputLength
        }
    }

    /// The Argon2id tag for `password` and `salt` (with optional secret `K` and associated data `X`).
    /// - Throws: `CryptographyError.argon2` with libargon2's code for bad parameters (e.g. a
    ///   salt under 8 bytes), `.invalidParameter` for lengths beyond 32 bits.
    public static func hash(
        password: SecureBytes, salt: [UInt8], parameters: Parameters, secret: [UInt8] = [], associatedData: [UInt8] = []
    ) throws(CryptographyError) -> SecureBytes {
        let result: Result<SecureBytes, CryptographyError> = password.withUnsafeBytes { passwordBuffer in
            Result { () throws(CryptographyError) -> SecureBytes in
                try hash(passwordBuffer, salt: salt, parameters: parameters, secret: secret, associatedData: associatedData)
            }
        }
        return try result.get()
    }

    /// The Argon2id tag for a password given as bytes.
    /// - Throws: `CryptographyError.argon2` or `.invalidParameter`.
    public static func hash(
        password: [UInt8], salt: [UInt8], parameters: Parameters, secret: [UInt8] = [], associatedData: [UInt8] = []
    ) throws(CryptographyError) -> SecureBytes {
        try hash(password: SecureBytes(copying: password), salt: salt, parameters: parameters, secret: secret,
                 associatedData: associatedData)
    }

    /// The Argon2id tag, computed on a Dispatch queue off the cooperative thread pool.
    /// - Throws: `CryptographyError.argon2` or `.invalidParameter`.
    public static func hash(
        password: SecureBytes, salt: [UInt8], parameters: Parameters, secret: [UInt8] = [], associatedData: [UInt8] = []
    ) async throws(CryptographyError) -> SecureBytes {
        let result: Result<SecureBytes, CryptographyError> = await withCheckedContinuation { continuation in
            DispatchQueue.global(qos: .userInitiated).async {
                continuation.resume(returning: Result { () throws(CryptographyError) -> SecureBytes in
                    try hash(password: password, salt: salt, parameters: parameters, secret: secret,
                             associatedData: associatedData)
                })
            }
        }
        return try result.get()
    }

    private static func length32(_ count: Int, _ what: String) throws(CryptographyError) -> UInt32 {
        guard let value = UInt32(exactly: count) else { throw .invalidParameter("\(what) longer than 2^32-1 bytes") }
        return value
    }

    private static func hash(
        _ password: UnsafeRawBufferPointer, salt: [UInt8], parameters: Parameters, secret: [UInt8], associatedData: [UInt8]
    ) throws(CryptographyError) -> SecureBytes {
        guard parameters.outputLength >= 4 else { throw .invalidParameter("Argon2 output length under 4 bytes") }
        let outputLength = try length32(parameters.outputLength, "output")
        let passwordLength = try length32(password.count, "password")
        let saltLength = try length32(salt.count, "salt")
        let secretLength = try length32(secret.count, "secret")
        let adLength = try length32(associatedData.count, "associated data")
        var rc: Int32 = 0
        // ARGON2_DEFAULT_FLAGS (0) never writes to pwd or secret, so the mutable casts below
        // only satisfy the C signature.
        let tag = SecureBytes(count: parameters.outputLength) { out in
            salt.withUnsafeBufferPointer { saltBuffer in
                secret.withUnsafeBufferPointer { secretBuffer in
                    associatedData.withUnsafeBufferPointer { adBuffer in
                        var context = argon2_context(
                            out: out.baseAddress?.assumingMemoryBound(to: UInt8.self), outlen: outputLength,
                            pwd: UnsafeMutablePointer(mutating: password.baseAddress?.assumingMemoryBound(to: UInt8.self)),
                            pwdlen: passwordLength,
                            salt: UnsafeMutablePointer(mutating: saltBuffer.baseAddress), saltlen: saltLength,
                            secret: UnsafeMutablePointer(mutating: secretBuffer.baseAddress), secretlen: secretLength,
                            ad: UnsafeMutablePointer(mutating: adBuffer.baseAddress), adlen: adLength,
                            t_cost: parameters.iterations, m_cost: parameters.memoryKiB,
                            lanes: parameters.parallelism, threads: parameters.parallelism,
                            version: UInt32(ARGON2_VERSION_13.rawValue),
                            allocate_cbk: nil, free_cbk: nil, flags: 0)  // ARGON2_DEFAULT_FLAGS; the macro is not importable
                        rc = argon2_ctx(&context, Argon2_id)
                    }
                }
            }
        }
        guard rc == Int32(ARGON2_OK.rawValue) else {
            throw .argon2(code: rc, message: String(cString: argon2_error_message(rc)))
        }
        return tag
    }
}
