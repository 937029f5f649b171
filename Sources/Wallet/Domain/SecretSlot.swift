public import Cryptography
import Synchronization

/// One unlocked wallet's secret in a buffer this daemon owns and wipes itself (§10 [TARGET]):
/// `wipe()` overwrites it with zeros at lock, expiry and shutdown, while the slot stays
/// allocated, so a test can read it afterwards and see zeros (`bytesForTesting`). `SecureBytes`
/// alone would zero only on release, which a lingering reference could postpone.
public final class SecretSlot: Sendable {
    /// The buffer; written once at init, zeroed by `wipe`, read under the lock. That
    /// confinement is the invariant behind `@unchecked Sendable` of the box.
    private final class Box: @unchecked Sendable {
        let buffer: UnsafeMutableRawBufferPointer
        init(count: Int) {
            buffer = .allocate(byteCount: count, alignment: 16)
            buffer.initializeMemory(as: UInt8.self, repeating: 0)
        }
        deinit {
            Self.zero(buffer)
            buffer.deallocate()
        }
        static func zero(_ buffer: UnsafeMutableRawBufferPointer) { SecureBytes.wipe(buffer) }
    }

    private let box: Box
    private let wiped = Mutex(false)

    /// Copies `secret` into a new slot.
    public init(copying secret: SecureBytes) {
        box = Box(count: secret.count)
        secret.withUnsafeBytes { source in box.buffer.copyMemory(from: source) }
    }

    /// The secret as `SecureBytes` (zeroed when the caller releases it), or nil once wiped.
    public func secret() -> SecureBytes? {
        wiped.withLock { wiped -> SecureBytes? in
            guard !wiped else { return nil }
            return SecureBytes(copying: UnsafeRawBufferPointer(box.buffer))
        }
    }

    /// Overwrites the secret with zeros; later `secret()` calls answer nil.
    public func wipe() {
        wiped.withLock { wiped in
            Box.zero(box.buffer)
            wiped = true
        }
    }

    /// Whether `wipe` ran.
    public var isWiped: Bool { wiped.withLock { $0 } }

    /// The raw buffer contents: the test hook of §15.8 (all zero after lock, expiry, shutdown).
    public func bytesForTesting() -> [UInt8] { wiped.withLock { _ in Array(UnsafeRawBufferPointer(box.buffer)) } }
}
