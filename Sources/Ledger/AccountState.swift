import Cryptography
public import WireModels

/// One account as the state root sees it.
public struct AccountState: Sendable, Equatable {
    public var address: Address
    public var balance: UInt64
    /// Transactions the account has sent that are in blocks.
    public var nonce: UInt64

    /// An account.
    public init(address: Address, balance: UInt64 = 0, nonce: UInt64 = 0) {
        self.address = address
        self.balance = balance
        self.nonce = nonce
    }

    /// The state-root leaf: 20-byte key hash ‖ u64 balance ‖ u64 nonce (big-endian).
    public var leafData: [UInt8] {
        var out = address.accountAddress.keyHash
        out.reserveCapacity(36)
        BlockHeader.append(balance, to: &out)
        BlockHeader.append(nonce, to: &out)
        return out
    }
}
