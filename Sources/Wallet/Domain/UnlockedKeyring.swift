public import Cryptography
import Synchronization
public import WalletCore

/// The keys of unlocked wallets (§10 [TARGET]): each held for `ttl` from its unlock (use does
/// not extend it), wiped at `lock`, at expiry (lazily on access and by `expire()`, which the
/// service runs every second) and at `lockAll()` on shutdown.
///
/// Holds the wallet secret in a `SecretSlot` and the primary signing key (libsodium's expanded
/// key, `SecureBytes` zeroed when released) so signing an unlocked wallet costs one Ed25519
/// signature; derived account keys of `hd` wallets are cached the same way.
public final class UnlockedKeyring: Sendable {
    struct Entry: Sendable {
        let slot: SecretSlot
        let kind: KeystoreRecord.Kind
        let primary: Ed25519.PrivateKey
        var accounts: [String: Ed25519.PrivateKey]
        let expiresAt: UInt64
        let expiresAtWall: Double
    }

    private let clock: any WalletClock
    private let entries = Mutex<[String: Entry]>([:])
    /// The slot of every unlock since start, by wallet, for the §15.8 test hook (most recent).
    private let lastSlots = Mutex<[String: SecretSlot]>([:])
    /// Keeps the last slot of each wallet reachable for tests; off in production.
    private let keepSlotsForTesting: Bool

    /// An empty keyring.
    public init(clock: any WalletClock, keepSlotsForTesting: Bool = false) {
        self.clock = clock
        self.keepSlotsForTesting = keepSlotsForTesting
    }

    /// Holds `secret` for `ttlSeconds`; replaces (and wipes) an earlier unlock of the wallet.
    /// - Returns: the wall-clock expiry, seconds since 1970.
    /// - Throws: `WalletCoreError` when the secret does not make a key.
    @discardableResult
    public func unlock(_ walletID: String, secret: SecureBytes, kind: KeystoreRecord.Kind, ttlSeconds: Int) throws(WalletCoreError) -> Double {
        let primary = try KeystoreCipher.primaryKey(of: secret, kind: kind)
        let slot = SecretSlot(copying: secret)
        let nanoseconds = UInt64(max(1, ttlSeconds)) * 1_000_000_000
        let wall = clock.wallSeconds() + Double(ttlSeconds)
        let entry = Entry(
            slot: slot, kind: kind, primary: primary, accounts: [:], expiresAt: clock.monotonicNanoseconds() + nanoseconds, expiresAtWall: wall)
        let previous = entries.withLock { entries in
            defer { entries[walletID] = entry }
            return entries[walletID]
        }
        previous?.slot.wipe()
        if keepSlotsForTesting { lastSlots.withLock { $0[walletID] = slot } }
        return wall
    }

    /// The wallet's primary key, or nil when it is locked or its unlock expired.
    public func primaryKey(_ walletID: String) -> Ed25519.PrivateKey? {
        live(walletID)?.primary
    }

    /// The wallet's kind while unlocked.
    public func kind(_ walletID: String) -> KeystoreRecord.Kind? { live(walletID)?.kind }

    /// The wallet's secret (a copy, zeroed on release) while unlocked.
    public func secret(_ walletID: String) -> SecureBytes? { live(walletID)?.slot.secret() }

    /// A cached derived key of an unlocked `hd` wallet.
    public func accountKey(_ walletID: String, accountID: String) -> Ed25519.PrivateKey? {
        live(walletID)?.accounts[accountID]
    }

    /// Caches a derived key for the rest of the unlock.
    public func cache(_ key: Ed25519.PrivateKey, walletID: String, accountID: String) {
        entries.withLock { entries in
            // Bounded: an unlock caches at most 1 024 account keys.
            guard var entry = entries[walletID], entry.accounts.count < 1_024 else { return }
            entry.accounts[accountID] = key
            entries[walletID] = entry
        }
    }

    /// When the wallet's unlock ends (wall clock), or nil when locked.
    public func expiry(_ walletID: String) -> Double? { live(walletID)?.expiresAtWall }

    /// Wipes and forgets the wallet's key. - Returns: whether it was unlocked.
    @discardableResult
    public func lock(_ walletID: String) -> Bool {
        let entry = entries.withLock { $0.removeValue(forKey: walletID) }
        entry?.slot.wipe()
        return entry != nil
    }

    /// Wipes every expired unlock; returns how many.
    @discardableResult
    public func expire() -> Int {
        let now = clock.monotonicNanoseconds()
        let expired = entries.withLock { entries -> [Entry] in
            let gone = entries.filter { $0.value.expiresAt <= now }
            for key in gone.keys { entries.removeValue(forKey: key) }
            return Array(gone.values)
        }
        for entry in expired { entry.slot.wipe() }
        return expired.count
    }

    /// Wipes every unlock (shutdown).
    public func lockAll() {
        let all = entries.withLock { entries -> [Entry] in
            defer { entries.removeAll() }
            return Array(entries.values)
        }
        for entry in all { entry.slot.wipe() }
    }

    /// Wallets unlocked now.
    public var unlockedCount: Int { entries.withLock { $0.count } }

    /// The slot of the wallet's latest unlock, kept only with `keepSlotsForTesting` (§15.8 hook).
    public func slotForTesting(_ walletID: String) -> SecretSlot? { lastSlots.withLock { $0[walletID] } }

    private func live(_ walletID: String) -> Entry? {
        let now = clock.monotonicNanoseconds()
        let (entry, expired) = entries.withLock { entries -> (Entry?, Entry?) in
            guard let entry = entries[walletID] else { return (nil, nil) }
            guard entry.expiresAt > now else {
                entries.removeValue(forKey: walletID)
                return (nil, entry)
            }
            return (entry, nil)
        }
        expired?.slot.wipe()
        return entry
    }
}
