import Synchronization
import Testing

@testable import PostgreSQL

@Suite struct PoolTests {
    func makePool(max: Int, timeout: Duration = .seconds(30)) async throws -> PostgresPool {
        PostgresPool(try await TestPostgres.configuration(), configuration: .init(maxConnections: max, acquireTimeout: timeout))
    }

    /// Polls until `condition` holds (the pool's queue is filled by other tasks).
    func eventually(_ condition: () -> Bool) async throws {
        for _ in 0..<2_000 where !condition() { try await Task.sleep(for: .milliseconds(5)) }
        #expect(condition())
    }

    @Test func neverOpensMoreThanMax() async throws {
        let pool = try await makePool(max: 3)
        let inUse = Locked((now: 0, peak: 0))
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<12 {
                group.addTask {
                    try await pool.withConnection { connection in
                        inUse.withLock { $0.now += 1; $0.peak = max($0.peak, $0.now) }
                        try await connection.query("SELECT pg_sleep(0.02)")
                        inUse.withLock { $0.now -= 1 }
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(inUse.withLock { $0.peak } <= 3)
        #expect(pool.statistics.open <= 3)
        #expect(pool.statistics.waiting == 0)
        await pool.close()
    }

    @Test func waitersAreServedInFIFOOrder() async throws {
        let pool = try await makePool(max: 1)
        let order = Locked<[Int]>([])
        let gate = AsyncGate()
        let holder = Task {
            try await pool.withConnection { _ in await gate.wait() }
        }
        try await eventually { pool.statistics.open == 1 && pool.statistics.idle == 0 }
        var waiters: [Task<Void, any Error>] = []
        for index in 1...4 {
            waiters.append(Task { try await pool.withConnection { _ in order.withLock { $0.append(index) } } })
            try await eventually { pool.statistics.waiting == index }
        }
        await gate.open()
        try await holder.value
        for waiter in waiters { try await waiter.value }
        #expect(order.withLock { $0 } == [1, 2, 3, 4])
        await pool.close()
    }

    @Test func waitingPastTheTimeoutFails() async throws {
        let pool = try await makePool(max: 1, timeout: .milliseconds(200))
        let gate = AsyncGate()
        let holder = Task { try await pool.withConnection { _ in await gate.wait() } }
        try await eventually { pool.statistics.open == 1 && pool.statistics.idle == 0 }
        await #expect { try await pool.query("SELECT 1") } throws: { ($0 as? PostgresError)?.kind == .poolTimeout }
        #expect(pool.statistics.waiting == 0)
        await gate.open()
        try await holder.value
        // The pool still works once the connection is back.
        #expect(try await pool.query("SELECT 1 AS one").first?.get("one", as: Int.self) == 1)
        await pool.close()
    }

    @Test func aKilledConnectionIsDiscardedAndReplaced() async throws {
        let pool = try await makePool(max: 1)
        let killer = try await TestPostgres.connect()
        let firstPID = try await pool.withConnection { $0.backendPID }
        try await killer.query("SELECT pg_terminate_backend($1)", [firstPID])
        // The idle pooled connection is dead; the next statement on it fails as lost.
        await #expect { try await pool.query("SELECT 1") } throws: { ($0 as? PostgresError)?.kind == .connectionLost }
        #expect(pool.statistics.open == 0)
        let secondPID = try await pool.withConnection { connection in
            let one = try await connection.query("SELECT 1 AS one").first?.get("one", as: Int.self)
            #expect(one == 1)
            return connection.backendPID
        }
        #expect(secondPID != firstPID)
        await killer.close()
        await pool.close()
    }

    @Test func aConnectionLeftInATransactionIsNotReused() async throws {
        let pool = try await makePool(max: 1)
        let firstPID = try await pool.withConnection { connection in
            try await connection.execute("BEGIN")
            return connection.backendPID
        }
        #expect(pool.statistics.open == 0)
        #expect(try await pool.withConnection { $0.backendPID } != firstPID)
        await pool.close()
    }

    @Test func closedPoolRefuses() async throws {
        let pool = try await makePool(max: 2)
        try await pool.query("SELECT 1")
        await pool.close()
        await #expect { try await pool.query("SELECT 1") } throws: { ($0 as? PostgresError)?.kind == .poolClosed }
    }
}

/// A one-shot gate: `wait` suspends until `open`.
actor AsyncGate {
    private var isOpen = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func wait() async {
        if isOpen { return }
        await withCheckedContinuation { waiters.append($0) }
    }

    func open() {
        isOpen = true
        for waiter in waiters { waiter.resume() }
        waiters = []
    }
}
