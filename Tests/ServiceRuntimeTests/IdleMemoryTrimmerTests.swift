import ServiceRuntime
import Testing

@Suite struct IdleMemoryTrimmerTests {
    @Test func trimsOnceOnTheFirstQuietPeriodAfterABurst() {
        var trimmer = IdleMemoryTrimmer()
        // Per period, the request count so far: nothing yet (nothing to give back); requests
        // flowing (no trim while the count moves); quiet (one trim, then none however long);
        // one request later and quiet again (one more).
        let counts: [UInt64] = [0, 0, 500, 20_000, 20_000, 20_000, 20_000, 20_001, 20_001, 20_001]
        let trims = counts.map { trimmer.observe(requests: $0) }
        #expect(trims == [false, false, false, false, true, false, false, false, true, false])
    }

    @Test func trimmingTheHeapIsSafeToCallAnyTime() {
        let buffers = (0..<64).map { [UInt8](repeating: UInt8($0), count: 64 << 10) }
        IdleMemoryTrimmer.trimHeap()
        // Live allocations are untouched.
        #expect(buffers.enumerated().allSatisfy { index, buffer in buffer.allSatisfy { $0 == UInt8(index) } })
    }
}
