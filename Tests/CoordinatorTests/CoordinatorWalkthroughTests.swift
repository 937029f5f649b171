import TestSupport
import Testing

/// docs/coordinator.md shows the lifecycle commands of scripts/coordinator-walkthrough.sh
/// verbatim, and the script runs green against the real binaries.
@Suite struct CoordinatorWalkthroughTests {
    static let script = WalkthroughScript("coordinator-walkthrough.sh")

    @Test func theScriptRunsTheBlockThePageShows() throws {
        #expect(try Self.script.runsTheBlock("walkthrough", of: "coordinator.md"))
    }

    @Test(
        .enabled(
            if: TestPaths.product("aitbc-coordinator") != nil && TestPaths.product("aitbc") != nil
                && TestPaths.onPath("curl") != nil && TestPaths.onPath("python3") != nil,
            "needs the built aitbc-coordinator and aitbc binaries, curl and python3"))
    func walkthroughRunsEndToEnd() async throws {
        let result = try await Self.script.run()
        #expect(result.status == 0, "stdout: \(result.stdout)\nstderr: \(result.stderr)")
        #expect(result.stdout.contains("walkthrough complete"))
        #expect(result.stderr.contains(": valid"))
    }
}
