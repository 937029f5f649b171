import Metrics
import Cryptography
import Dispatch
import FoundationEssentials
import Glibc
import JSON
public import Logging
public import WalletCore
public import WireModels

/// The one domain API of the wallet daemon: REST (`WalletRoutes`) and JSON-RPC (`WalletRPC`)
/// both call it, so rate limits, lockout, the KDF bound and the answers are the same on both
/// transports (§14.4).
///
/// Argon2 runs through `KDFGate` (at most `MAX_CONCURRENT_UNLOCKS` at once, off the cooperative
/// pool); keystore file I/O runs on `io`, a Dispatch queue. Passwords, secrets, mnemonics and
/// messages are never logged and never part of an error.
public final class WalletService: Sendable {
    /// Settings the service reads.
    public let configuration: WalletConfiguration
    /// The keystore directory.
    public let keystore: KeystoreDirectory
    /// The SQLite ledger.
    public let ledger: WalletLedger
    /// Unlocked keys.
    public let keyring: UnlockedKeyring
    /// Brute-force lockout.
    public let lockout: PasswordLockout
    /// Per-client request limits.
    public let limiter: RequestRateLimiter
    /// The Argon2 bound.
    public let gate: KDFGate
    /// Balances and transfers; nil until a chain adapter is configured (routes answer 503).
    public let chain: (any ChainAdapter)?
    /// The coordinator's receipts; nil while `COORDINATOR_API_KEY` is unset (routes answer 503).
    public let receipts: (any ReceiptSource)?
    let verifier: WalletReceiptVerifier
    let clock: any WalletClock
    let logger: Logger
    let metrics = WalletMetrics()
    let io = DispatchQueue(label: "wallet.keystore-io")

    /// A service over opened stores.
    public init(
        configuration: WalletConfiguration, keystore: KeystoreDirectory, ledger: WalletLedger, chain: (any ChainAdapter)?,
        receipts: (any ReceiptSource)?, clock: any WalletClock = SystemWalletClock(), keepSlotsForTesting: Bool = false, logger: Logger
    ) {
        self.configuration = configuration
        self.keystore = keystore
        self.ledger = ledger
        self.chain = chain
        self.receipts = receipts
        self.clock = clock
        self.logger = logger
        keyring = UnlockedKeyring(clock: clock, keepSlotsForTesting: keepSlotsForTesting)
        lockout = PasswordLockout(clock: clock)
        limiter = RequestRateLimiter(
            clock: clock, limit: configuration.rateLimitRequests, window: .seconds(configuration.rateLimitWindowSeconds))
        gate = KDFGate(maxConcurrent: configuration.maxConcurrentUnlocks)
        verifier = WalletReceiptVerifier(trustedKeys: configuration.trustedReceiptKeys)
    }

    // MARK: list

    /// Every wallet with a keystore file, by id; metadata from the ledger when it has a row.
    /// - Throws: `WalletError.internalError` when the keystore cannot be read.
    public func list() async throws(WalletError) -> [WalletView] {
        let logger = logger
        let records = try await onIO { keystore throws(WalletCoreError) in
            var records: [KeystoreRecord] = []
            for id in try keystore.list() {
                do throws(WalletCoreError) {
                    records.append(try keystore.load(id))
                } catch {
                    switch error {
                    case .walletNotFound: continue  // deleted since the listing
                    // A loose file is the operator's to fix: say so, never drop the wallet silently.
                    case .insecurePermissions, .io: throw error
                    default: logger.error("keystore file skipped", metadata: ["wallet_id": "\(id)", "error": "\(error)"])
                    }
                }
            }
            return records
        }
        let metadata: [String: [String: String]]
        let recordedKeys: [String: String]
        do {
            metadata = try await ledger.metadata()
            recordedKeys = try await ledger.publicKeys()
        } catch {
            throw storageFailure("list", error)
        }
        return records.map { record in
            view(record, metadata: metadata[record.walletID.rawValue], publicKey: recordedKey(record, recordedKeys[record.walletID.rawValue]))
        }
    }

    /// The key the ledger recorded for `record`'s wallet when it differs from the file's (which
    /// no password has checked yet: a `.kdb` file swapped for another wallet's shows that
    /// wallet's key and address), logged; nil when they agree or the ledger has none.
    func recordedKey(_ record: KeystoreRecord, _ recorded: String?) -> Ed25519.PublicKey? {
        guard let recorded, recorded != record.publicKey.hex else { return nil }
        logger.warning(
            "keystore public_key differs from the ledger's", metadata: ["wallet_id": "\(record.walletID)", "ledger": "\(recorded)"])
        return try? Ed25519.PublicKey(hex: recorded)
    }

    // MARK: shared steps

    /// The view of a record.
    func view(_ record: KeystoreRecord, metadata: [String: String]? = nil, publicKey: Ed25519.PublicKey? = nil) -> WalletView {
        let key = publicKey ?? record.publicKey
        return WalletView(
            walletID: record.walletID.rawValue, publicKey: key.hex, metadata: WalletMetadata(metadata ?? record.metadata),
            kind: record.kind.rawValue, address: Address(publicKey: key).rawValue)
    }

    /// The validated id, or 400 before any file is touched (§4.2, §15.7).
    func walletID(_ text: String) throws(WalletError) -> WalletID {
        guard let id = WalletID(text) else {
            throw .invalidRequest("invalid wallet_id: must match ^[a-z0-9][a-z0-9_-]{0,63}$", code: "INVALID_WALLET_ID")
        }
        return id
    }

    /// Counts a request of `action` against the limiter (`"<action>:<host>[:<wallet>]"`, spec
    /// §10): `wallet-create` per client; `wallet-unlock`, `wallet-sign`, `wallet-derive` and
    /// `wallet-send` each per client and wallet. It runs first, so refused requests count too.
    func limit(_ action: String, client: String, walletID: String? = nil) throws(WalletError) {
        let key = walletID.map { "\(action):\(client):\($0)" } ?? "\(action):\(client)"
        if let seconds = limiter.acquire(key) {
            metrics.rateLimited.increment()
            throw .rateLimited(retryAfter: seconds, detail: "rate limit exceeded")
        }
    }

    /// Runs blocking keystore work on the I/O queue; keystore errors become wallet errors.
    func onIO<T: Sendable>(_ body: @escaping @Sendable (KeystoreDirectory) throws(WalletCoreError) -> T) async throws(WalletError) -> T {
        let keystore = keystore
        let result: Result<T, WalletCoreError> = await withCheckedContinuation { continuation in
            io.async {
                do throws(WalletCoreError) {
                    continuation.resume(returning: .success(try body(keystore)))
                } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
        }
        switch result {
        case .success(let value): return value
        case .failure(let error): throw keystoreFailure(error)
        }
    }

    /// A keystore error as the answer clients see; faults are logged (no secret is in them).
    func keystoreFailure(_ error: WalletCoreError) -> WalletError {
        switch error {
        case .walletNotFound: return .notFound("wallet not found")
        case .walletExists: return .invalidRequest("wallet already exists", code: "WALLET_EXISTS")
        case .invalidCredentials: return .invalidCredentials
        case .weakPassword(let rule): return .invalidRequest(rule.message, code: "INVALID_PASSWORD")
        case .invalidMnemonic(let problem): return .invalidRequest("invalid mnemonic: \(problem)", code: "INVALID_MNEMONIC")
        case .invalidDerivationPath, .nonHardenedIndex: return .invalidRequest(error.description, code: "INVALID_PATH")
        case .invalidBase64: return .invalidRequest("invalid base64", code: "INVALID_BASE64")
        case .insecurePermissions:
            // The daemon's own set-up, not the client's request and not a crash: 503 saying what to fix.
            logger.error("keystore refused", metadata: ["error": "\(error)"])
            return .unavailable("keystore \(error) (chmod 700 KEYSTORE_DIR; chmod 600 its .kdb files)", code: "KEYSTORE_PERMISSIONS")
        case .invalidRecord:
            // A file that does not decode: the operator's to restore from a backup, not a crash.
            // Password routes answer 401 instead (`loadForPassword`, §15.5).
            logger.error("keystore file unreadable", metadata: ["error": "\(error)"])
            return .unavailable("keystore file of this wallet is unreadable (see the daemon log)", code: "KEYSTORE_INVALID")
        default:
            logger.error("keystore failure", metadata: ["error": "\(error)"])
            return .internalError("keystore")
        }
    }

    func storageFailure(_ operation: String, _ error: any Error) -> WalletError {
        logger.error("ledger failure", metadata: ["operation": "\(operation)", "error": "\(error)"])
        return .internalError("ledger")
    }

    /// Writes an event for an existing wallet; a failure is logged, never fails the request.
    func event(_ walletID: String, _ type: String, _ payload: JSONValue) async {
        do {
            try await ledger.recordEvent(walletID, type: type, payload: payload)
        } catch {
            logger.error("event not recorded", metadata: ["wallet_id": "\(walletID)", "event": "\(type)", "error": "\(error)"])
        }
    }

    /// RFC 3339 UTC of `seconds` since 1970.
    static func timestamp(_ seconds: Double) -> String {
        UTCTimestamp.format(seconds: Int64(seconds.rounded(.down)))
    }

    /// Wipes every unlocked key (shutdown).
    public func lockAll() {
        keyring.lockAll()
        metrics.unlocked.record(0)
    }
}
