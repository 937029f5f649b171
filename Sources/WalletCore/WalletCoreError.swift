public import Cryptography
import Glibc

/// Every failure WalletCore reports. Descriptions name fields, paths, positions and rules,
/// never passwords, seeds, keys, mnemonic words or ciphertext.
public enum WalletCoreError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Text is not strict padded base64 (RFC 4648 §4); `offset` is the first offending byte.
    case invalidBase64(offset: Int)
    /// A password breaks a rule; `message` is the spec's 400 text for it.
    case weakPassword(WalletPassword.Rule)
    /// A mnemonic is not a BIP-39 English sentence; the problem says where, not which word.
    case invalidMnemonic(Mnemonic.Problem)
    /// A derivation path is malformed; the text says why.
    case invalidDerivationPath(String)
    /// A derivation path has a non-hardened step, impossible for ed25519 (SLIP-10);
    /// `position` counts steps from 1.
    case nonHardenedIndex(position: Int)
    /// A key or seed has the wrong size; `what` names it.
    case invalidLength(what: String, expected: String, actual: Int)
    /// A keystore record is malformed: `field` names the JSON field, `reason` the rule.
    /// Raised before any KDF runs.
    case invalidRecord(field: String, reason: String)
    /// Wrong password or a record whose authenticated fields, nonce or ciphertext changed.
    case invalidCredentials
    /// The record decrypted but does not match itself (e.g. the key does not give `public_key`).
    case corrupt(String)
    /// A keystore file or directory is readable or writable by group or others, or not ours.
    case insecurePermissions(path: String, reason: String)
    /// A system call on `path` failed.
    case io(path: String, operation: String, errno: Int32)
    /// No keystore file for this wallet.
    case walletNotFound(WalletID)
    /// A keystore file for this wallet already exists.
    case walletExists(WalletID)
    /// A lower-level cryptographic failure that is none of the above (bad parameters).
    case cryptography(CryptographyError)

    /// Readable text without secrets.
    public var description: String {
        switch self {
        case .invalidBase64(let offset): return "invalid base64 at byte \(offset)"
        case .weakPassword(let rule): return rule.message
        case .invalidMnemonic(let problem): return problem.description
        case .invalidDerivationPath(let reason): return "invalid derivation path: \(reason)"
        case .nonHardenedIndex(let position):
            return "derivation step \(position) is not hardened (ed25519 allows only hardened steps)"
        case .invalidLength(let what, let expected, let actual): return "\(what) must be \(expected) bytes, got \(actual)"
        case .invalidRecord(let field, let reason): return "invalid keystore record: \(field): \(reason)"
        case .invalidCredentials: return "invalid credentials"
        case .corrupt(let reason): return "keystore record is corrupt: \(reason)"
        case .insecurePermissions(let path, let reason): return "refusing \(path): \(reason)"
        case .io(let path, let operation, let code):
            return "\(operation) \(path) failed: \(String(cString: strerror(code))) (errno \(code))"
        case .walletNotFound(let id): return "wallet \(id) not found"
        case .walletExists(let id): return "wallet \(id) already exists"
        case .cryptography(let error): return "cryptography: \(error)"
        }
    }
}
