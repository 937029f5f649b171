@testable import ChainNode
import Testing

/// The sync loop's wake-up: a wait ended by a signal must not leave a signal behind (its
/// cancelled timer used to signal anyway, so every later wait returned at once and the idle
/// sync loop spun through a task and a dispatch timer per turn on every node).
@Suite struct WakeSignalTests {
    @Test func aWaitEndedByASignalLeavesNoSignalPending() async throws {
        let wake = WakeSignal()
        wake.signal()
        await wake.wait(timeout: .seconds(3_600))
        // Time for a stray timer to run (the fixed wait has finished its timer already).
        try await Task.sleep(for: .milliseconds(100))
        #expect(!wake.hasPendingSignal)

        // The signal arriving while the wait is parked.
        let waiter = Task { await wake.wait(timeout: .seconds(3_600)) }
        while !wake.isWaiting { await Task.yield() }
        wake.signal()
        await waiter.value
        try await Task.sleep(for: .milliseconds(100))
        #expect(!wake.hasPendingSignal)
    }

    @Test func aSignalSentWhileNobodyWaitsIsKeptForTheNextWait() async {
        let wake = WakeSignal()
        wake.signal()
        #expect(wake.hasPendingSignal)
        await wake.wait(timeout: .seconds(3_600))
        #expect(!wake.hasPendingSignal)
    }

    @Test func aWaitWithoutASignalEndsAtItsTimeout() async {
        let wake = WakeSignal()
        await wake.wait(timeout: .milliseconds(20))
        #expect(!wake.hasPendingSignal)
    }
}
