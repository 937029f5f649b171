import TestSupport
import Testing

/// docs/miner.md shows the commands of scripts/miner-walkthrough.sh verbatim, and the script
/// runs green against the real binaries (coordinator + aitbc-miner + aitbc).
@Suite struct MinerWalkthroughTests {
    static let script = WalkthroughScript("miner-walkthrough.sh")

    @Test func theScriptRunsTheBlockThePageShows() throws {
        #expect(try Self.script.runsTheBlock("walkthrough", of: "miner.md"))
    }

    @Test(
        .enabled(
            if: TestPaths.product("aitbc-coordinator") != nil && TestPaths.product("aitbc-miner") != nil
                && TestPaths.product("aitbc") != nil && TestPaths.onPath("curl") != nil && TestPaths.onPath("python3") != nil,
            "needs the built binaries, curl and python3"))
    func walkthroughRunsEndToEnd() async throws {
        let result = try await Self.script.run()
        #expect(result.status == 0, "stdout: \(result.stdout)\nstderr: \(result.stderr)")
        #expect(result.stdout.contains("miner walkthrough complete"))
        #expect(result.stdout.contains("work claims: both receipts carry the miner's signed claim"))
        #expect(result.stderr.contains(": valid"))
    }
}
