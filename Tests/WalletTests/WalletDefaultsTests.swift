import Testing
import Wallet

@Suite struct WalletDefaultsTests {
    @Test func theDaemonBindsLoopbackOnItsArchitecturePort() {
        #expect(WalletDefaults.port == 8071)
        #expect(WalletDefaults.bindHost == "127.0.0.1")
    }
}
