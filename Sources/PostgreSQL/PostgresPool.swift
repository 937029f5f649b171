import Synchronization

/// A bounded pool of connections: at most `maxConnections` open at once; callers beyond that wait
/// in FIFO order for a returned connection, or fail with `.poolTimeout` after `acquireTimeout`.
///
/// A connection that comes back broken (libpq reports it bad, e.g. the server terminated it) or
/// with a transaction still open is closed, never handed out again, and its slot goes to the next
/// waiter, who opens a fresh one.
public final class PostgresPool: Sendable {
    /// Pool limits.
    public struct Configuration: Sendable {
        /// Most connections open at once (1…10,000).
        public var maxConnections: Int
        /// How long a caller waits for a connection before `.poolTimeout`.
        public var acquireTimeout: Duration

        /// Limits; `maxConnections` is clamped to 1…10,000.
        public init(maxConnections: Int = 10, acquireTimeout: Duration = .seconds(10)) {
            self.maxConnections = min(max(maxConnections, 1), 10_000)
            self.acquireTimeout = acquireTimeout
        }
    }

    /// What a waiter is given: a connection, or the right to open one.
    private enum Grant {
        case connection(PostgresConnection)
        case slot
    }

    private struct Waiter {
        let id: UInt64
        let continuation: UnsafeContinuation<Result<Grant, PostgresError>, Never>
        var timer: Task<Void, Never>?
    }

    private struct State {
        var idle: [PostgresConnection] = []
        /// Open or opening connections, idle and leased.
        var open = 0
        var waiters: [Waiter] = []
        var nextID: UInt64 = 0
        var closed = false
    }

    /// Where to connect.
    public let connection: PostgresConfiguration
    /// The limits.
    public let configuration: Configuration
    private let state = Mutex(State())

    /// A pool; connections open on demand.
    public init(_ connection: PostgresConfiguration, configuration: Configuration = Configuration()) {
        self.connection = connection
        self.configuration = configuration
    }

    /// Counts for metrics and tests.
    public var statistics: (open: Int, idle: Int, waiting: Int) {
        state.withLock { ($0.open, $0.idle.count, $0.waiters.count) }
    }

    /// Leases a connection for `body` and takes it back afterwards (closing it if broken or left in a transaction).
    /// - Throws: `PostgresError` (`.poolTimeout`, `.poolClosed`, `.connectionFailed`) or what `body` throws.
    public func withConnection<T>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        let connection = try await lease()
        do {
            let value = try await body(connection)
            await giveBack(connection)
            return value
        } catch {
            await giveBack(connection)
            throw error
        }
    }

    /// `withConnection { try await $0.query(sql, arguments) }`.
    /// - Throws: `PostgresError`.
    @discardableResult
    public func query(_ sql: String, _ arguments: [any PostgresBindable] = []) async throws -> PostgresResult {
        try await withConnection { try await $0.query(sql, arguments) }
    }

    /// A transaction on a leased connection (see `PostgresConnection.transaction`).
    /// - Throws: what `body` throws, or `PostgresError`.
    public func transaction<T>(isolation: PostgresIsolation = .readCommitted, _ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await withConnection { try await $0.transaction(isolation: isolation, body) }
    }

    /// A transaction retried on 40001/40P01; each attempt leases afresh, so a connection broken
    /// by one attempt is not reused by the next.
    /// - Throws: what `body` throws, or `PostgresError`.
    public func retryingTransaction<T>(
        isolation: PostgresIsolation = .serializable, maxAttempts: Int = 5, _ body: (PostgresConnection) async throws -> T
    ) async throws -> T {
        try await retryingSerializationFailures(maxAttempts: maxAttempts) {
            try await transaction(isolation: isolation, body)
        }
    }

    /// Closes idle connections, fails waiters with `.poolClosed`; leased connections close when returned.
    public func close() async {
        let (idle, waiters) = state.withLock { state in
            state.closed = true
            defer {
                state.open -= state.idle.count
                state.idle = []
                state.waiters = []
            }
            return (state.idle, state.waiters)
        }
        for waiter in waiters {
            waiter.timer?.cancel()
            waiter.continuation.resume(returning: .failure(PostgresError(kind: .poolClosed, message: "the pool was closed")))
        }
        for connection in idle { await connection.close() }
    }

    // MARK: leasing

    private func lease() async throws(PostgresError) -> PostgresConnection {
        switch try await acquire().get() {
        case .connection(let connection): return connection
        case .slot: return try await open()
        }
    }

    /// An idle connection, a free slot, or a place at the back of the queue, decided under one
    /// lock with the enqueueing, so a connection returned meanwhile cannot miss this caller.
    private func acquire() async -> Result<Grant, PostgresError> {
        let timeout = configuration.acquireTimeout
        let maxConnections = configuration.maxConnections
        return await withUnsafeContinuation { continuation in
            let (immediate, id): (Result<Grant, PostgresError>?, UInt64) = state.withLock { state in
                if state.closed { return (.failure(PostgresError(kind: .poolClosed, message: "the pool was closed")), 0) }
                // Waiters go first: a newcomer never overtakes the queue.
                if state.waiters.isEmpty, let connection = state.idle.popLast() { return (.success(.connection(connection)), 0) }
                if state.waiters.isEmpty, state.open < maxConnections {
                    state.open += 1
                    return (.success(.slot), 0)
                }
                state.nextID += 1
                state.waiters.append(Waiter(id: state.nextID, continuation: continuation))
                return (nil, state.nextID)
            }
            if let immediate {
                continuation.resume(returning: immediate)
                return
            }
            let timer = Task { [weak self] in
                guard (try? await Task.sleep(for: timeout)) != nil else { return }
                self?.expire(id: id, timeout: timeout, maxConnections: maxConnections)
            }
            let stillWaiting = state.withLock { state in
                guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return false }
                state.waiters[index].timer = timer
                return true
            }
            if !stillWaiting { timer.cancel() }
        }
    }

    /// Opens a connection in a slot already counted in `open`; gives the slot back on failure.
    private func open() async throws(PostgresError) -> PostgresConnection {
        do {
            return try await PostgresConnection.connect(connection)
        } catch {
            releaseSlot()
            throw error
        }
    }

    private func expire(id: UInt64, timeout: Duration, maxConnections: Int) {
        let waiter: Waiter? = state.withLock { state in
            guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
            return state.waiters.remove(at: index)
        }
        waiter?.continuation.resume(
            returning: .failure(
                PostgresError(kind: .poolTimeout, message: "no connection free within \(timeout) (all \(maxConnections) in use)")))
    }

    /// Takes a connection back: to the first waiter, to the idle list, or closed when it cannot be reused.
    private func giveBack(_ connection: PostgresConnection) async {
        let reusable = connection.isReusable
        let handOff: Waiter? = state.withLock { state in
            guard reusable, !state.closed else { return nil }
            if state.waiters.isEmpty {
                state.idle.append(connection)
                return nil
            }
            return state.waiters.removeFirst()
        }
        if let handOff {
            handOff.timer?.cancel()
            handOff.continuation.resume(returning: .success(.connection(connection)))
            return
        }
        guard reusable, !state.withLock({ $0.closed }) else {
            await connection.close()
            releaseSlot()
            return
        }
    }

    /// A slot freed (a connection closed or never opened): the first waiter may open one.
    private func releaseSlot() {
        let waiter: Waiter? = state.withLock { state in
            guard !state.closed, !state.waiters.isEmpty else {
                state.open -= 1
                return nil
            }
            return state.waiters.removeFirst()  // the slot passes on; `open` is unchanged
        }
        if let waiter {
            waiter.timer?.cancel()
            waiter.continuation.resume(returning: .success(.slot))
        }
    }
}
