import TestSupport
import Testing

/// Issue 13 "Done when": the miner's receipts turn into AIT on a node, with real processes —
/// scripts/chain-walkthrough.sh runs aitbc-chain-node, aitbc-coordinator and aitbc-miner (with
/// chain.url) on loopback; a job's receipt is claimed by the miner itself and minted once.
@Suite struct ChainWalkthroughTests {
    static let script = WalkthroughScript("chain-walkthrough.sh")

    @Test(
        .enabled(
            if: TestPaths.product("aitbc-coordinator") != nil && TestPaths.product("aitbc-miner") != nil
                && TestPaths.product("aitbc-chain-node") != nil && TestPaths.product("aitbc") != nil
                && TestPaths.onPath("curl") != nil && TestPaths.onPath("python3") != nil,
            "needs the built binaries, curl and python3"))
    func aMinersReceiptBecomesAITWithRealProcesses() async throws {
        let result = try await Self.script.run()
        #expect(result.status == 0, "stdout: \(result.stdout)\nstderr: \(result.stderr)")
        #expect(result.stdout.contains("chain walkthrough complete"))
        #expect(result.stdout.contains("minted"))
    }
}
