/// Defaults of the wallet daemon's settings (spec/wallet-daemon.md §2 [TARGET]).
public enum WalletDefaults {
    /// The daemon's port (ARCHITECTURE.md's table; the reference's run instructions).
    public static let port = 8071
    /// Loopback unless configured: a non-loopback bind also needs `WALLET_TOKEN`.
    public static let bindHost = "127.0.0.1"
}
