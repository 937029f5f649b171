/// The documented derivation path of AIT accounts: `m/44'/12345'/account'/change'/index'`
/// (spec/wallet-daemon.md §6). Every step is hardened because SLIP-10 ed25519 has no other
/// kind; coin type 12345 is a placeholder, not a SLIP-44 registration.
public struct AITAccountPath: Sendable, Hashable, CustomStringConvertible {
    /// BIP-44 purpose.
    public static let purpose: UInt32 = 44
    /// The placeholder coin type.
    public static let coinType: UInt32 = 12345
    /// `m/44'/12345'/0'/0'/0'`: the key an `hd` keystore record's `public_key` holds.
    public static let primary = AITAccountPath(checkedAccount: 0, change: 0, index: 0)

    /// The account number (hardened).
    public let account: UInt32
    /// The change number (hardened).
    public let change: UInt32
    /// The address index (hardened).
    public let index: UInt32

    /// The path for these numbers, each below 2^31.
    /// - Throws: `WalletCoreError.invalidDerivationPath` for a number ≥ 2^31.
    public init(account: UInt32, change: UInt32, index: UInt32) throws(WalletCoreError) {
        guard [account, change, index].allSatisfy({ $0 < DerivationPath.hardenedOffset }) else {
            throw .invalidDerivationPath("account, change and index must be below 2^31")
        }
        self.init(checkedAccount: account, change: change, index: index)
    }

    /// The AIT path `path` spells, which must be exactly `m/44'/12345'/a'/c'/i'`.
    /// - Throws: `WalletCoreError.invalidDerivationPath` for any other shape.
    public init(_ path: DerivationPath) throws(WalletCoreError) {
        let steps = path.indices
        guard steps.count == 5, steps[0] == Self.purpose, steps[1] == Self.coinType else {
            throw .invalidDerivationPath("AIT accounts use m/44'/12345'/account'/change'/index'")
        }
        self.init(checkedAccount: steps[2], change: steps[3], index: steps[4])
    }

    /// Parses text with `DerivationPath` rules and then the AIT shape.
    /// - Throws: `WalletCoreError.nonHardenedIndex` or `.invalidDerivationPath`.
    public init(parsing text: String) throws(WalletCoreError) {
        try self.init(DerivationPath(parsing: text))
    }

    private init(checkedAccount account: UInt32, change: UInt32, index: UInt32) {
        self.account = account
        self.change = change
        self.index = index
    }

    /// The full derivation path.
    public var derivationPath: DerivationPath {
        do {
            return try DerivationPath(hardened: [Self.purpose, Self.coinType, account, change, index])
        } catch {
            // Five steps, each checked below 2^31 by every initializer.
            preconditionFailure("AIT path out of range: \(error)")
        }
    }

    /// `<wallet>:<account>:<change>:<index>` (spec §5).
    public func accountID(wallet: WalletID) -> String {
        "\(wallet.rawValue):\(account):\(change):\(index)"
    }

    /// The path text, `m/44'/12345'/a'/c'/i'`.
    public var description: String { derivationPath.description }
}
