import Wallet
import Glibc

/// Placeholder entry point until the daemon lands (issue 15): exits non-zero and says so.
@main
enum WalletDaemonCommand {
    static func main() {
        print("aitbc-wallet-daemon: not built yet (issue 15); default port \(WalletDefaults.port)")
        exit(2)
    }
}
