import CSodium

/// Secret bytes (seeds, symmetric keys, derived keys) that are zeroed when released.
///
/// The bytes live in memory owned by a private final class that wipes them with
/// `sodium_memzero` in `deinit`. `SecureBytes` never turns into a `String`: its
/// `description`, `debugDescription` and mirror show only the length. Reach the bytes
/// with `withUnsafeBytes`; copies you make there are yours to protect.
public struct SecureBytes: Sendable {
    /// Owns the allocation. Immutable after initialization, so sharing it across threads is
    /// safe; that is the invariant behind `@unchecked Sendable`.
    private final class Storage: @unchecked Sendable {
        let buffer: UnsafeMutableRawBufferPointer

        init(count: Int) {
            buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: count, alignment: 16)
            buffer.initializeMemory(as: UInt8.self, repeating: 0)
        }

        deinit {
            if let base = buffer.baseAddress { sodium_memzero(base, buffer.count) }
            buffer.deallocate()
        }
    }

    private let storage: Storage

    /// Allocates `count` bytes (zero-filled) and lets `body` write them.
    /// - Throws: whatever `body` throws; the partial bytes are wiped.
    public init<E: Error>(count: Int, initializingWith body: (UnsafeMutableRawBufferPointer) throws(E) -> Void) throws(E) {
        precondition(count >= 0, "SecureBytes count must not be negative")
        storage = Storage(count: count)
        try body(storage.buffer)
    }

    /// Zeroes `buffer` with `sodium_memzero`, a write the optimizer may not drop (a plain loop
    /// over memory that is freed afterwards may be removed as a dead store): for secret buffers
    /// a caller owns itself, such as an unlocked wallet's slot that is wiped but kept allocated.
    public static func wipe(_ buffer: UnsafeMutableRawBufferPointer) {
        if let base = buffer.baseAddress { sodium_memzero(base, buffer.count) }
    }

    /// Copies `bytes`. The source stays wherever the caller keeps it.
    public init(copying bytes: some Collection<UInt8>) {
        storage = Storage(count: bytes.count)
        _ = storage.buffer.initializeMemory(as: UInt8.self, from: bytes)
    }

    /// `count` bytes from the operating system's secure random source.
    public static func random(count: Int) -> SecureBytes {
        Sodium.ensureInitialized()
        return SecureBytes(count: count) { buffer in
            if let base = buffer.baseAddress { randombytes_buf(base, buffer.count) }
        }
    }

    /// The number of bytes.
    public var count: Int { storage.buffer.count }

    /// Calls `body` with read access to the bytes. Do not let the pointer escape.
    /// - Throws: whatever `body` throws.
    public func withUnsafeBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        try body(UnsafeRawBufferPointer(storage.buffer))
    }
}

extension SecureBytes: Equatable {
    /// Constant-time comparison (`sodium_memcmp`); lengths are not secret.
    public static func == (lhs: SecureBytes, rhs: SecureBytes) -> Bool {
        lhs.withUnsafeBytes { a in rhs.withUnsafeBytes { b in ConstantTime.equals(a, b) } }
    }
}

extension SecureBytes: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// Shows the length only, never the contents.
    public var description: String { "SecureBytes(\(count) bytes, redacted)" }
    /// Shows the length only, never the contents.
    public var debugDescription: String { description }
    /// A mirror without children, so `dump` and debuggers print no contents.
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}
