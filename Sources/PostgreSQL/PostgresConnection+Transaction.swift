import Synchronization

/// Transaction isolation levels (https://www.postgresql.org/docs/current/transaction-iso.html).
public enum PostgresIsolation: String, Sendable {
    /// Each statement sees data committed before it began (PostgreSQL's default).
    case readCommitted = "READ COMMITTED"
    /// One snapshot for the whole transaction; a write to a row changed since fails with 40001.
    case repeatableRead = "REPEATABLE READ"
    /// As if transactions ran one after another; conflicts fail with 40001.
    case serializable = "SERIALIZABLE"
}

extension PostgresConnection {
    /// Runs `body` in a transaction: commits when it returns, rolls back when it throws and
    /// rethrows that first error (a failing ROLLBACK never masks it). Inside an open transaction
    /// it nests as a savepoint instead, and `isolation` is ignored.
    ///
    /// A COMMIT that the server turns into a ROLLBACK (because a statement failed and `body`
    /// caught that error) throws, so a lost transaction never looks committed.
    /// - Throws: what `body` throws, or `PostgresError` from BEGIN/COMMIT.
    public func transaction<T>(
        isolation: PostgresIsolation = .readCommitted, _ body: (PostgresConnection) async throws -> T
    ) async throws -> T {
        let depth = status.withLock { status in
            status.transactionDepth += 1
            return status.transactionDepth
        }
        defer { status.withLock { $0.transactionDepth -= 1 } }
        if depth > 1 { return try await savepoint(depth: depth, body) }

        try await execute("BEGIN ISOLATION LEVEL \(isolation.rawValue)")
        let value: T
        do {
            value = try await body(self)
        } catch {
            await rollbackQuietly()
            throw error
        }
        let commit: PostgresResult
        do {
            commit = try await query("COMMIT")
        } catch {
            await rollbackQuietly()
            throw error
        }
        guard commit.commandTag == "COMMIT" else {
            throw PostgresError(
                kind: .server, sqlState: .inFailedSQLTransaction,
                message: "the transaction was rolled back at COMMIT because a statement in it failed", sql: "COMMIT")
        }
        return value
    }

    /// Runs `transaction` again while it fails with a serialization failure (40001) or deadlock
    /// (40P01), up to `maxAttempts` runs in all, after a short randomized pause that grows with
    /// each attempt. `body` must be safe to run more than once (no side effects outside the database).
    /// - Throws: the last error once attempts run out, or any non-retryable error at once.
    public func retryingTransaction<T>(
        isolation: PostgresIsolation = .serializable, maxAttempts: Int = 5, _ body: (PostgresConnection) async throws -> T
    ) async throws -> T {
        try await retryingSerializationFailures(maxAttempts: maxAttempts) {
            try await transaction(isolation: isolation, body)
        }
    }

    private func savepoint<T>(depth: Int, _ body: (PostgresConnection) async throws -> T) async throws -> T {
        // Names are ours (a depth number), never input.
        let name = "aitbc_savepoint_\(depth)"
        try await execute("SAVEPOINT \(name)")
        let value: T
        do {
            value = try await body(self)
        } catch {
            _ = try? await execute("ROLLBACK TO SAVEPOINT \(name)")
            _ = try? await execute("RELEASE SAVEPOINT \(name)")
            throw error
        }
        try await execute("RELEASE SAVEPOINT \(name)")
        return value
    }

    private func rollbackQuietly() async {
        _ = try? await execute("ROLLBACK")
    }
}

/// Runs `body` again while it throws a retryable `PostgresError` (40001 serialization failure,
/// 40P01 deadlock), up to `maxAttempts` runs in all, pausing 1–10 ms × attempt between runs so
/// colliding transactions spread out.
/// - Throws: the last error once attempts run out, or any other error at once.
public func retryingSerializationFailures<T>(maxAttempts: Int = 5, _ body: () async throws -> T) async throws -> T {
    precondition(maxAttempts >= 1, "maxAttempts must be at least 1")
    var attempt = 1
    while true {
        do {
            return try await body()
        } catch let error as PostgresError where error.isRetryable && attempt < maxAttempts {
            try await Task.sleep(for: .milliseconds(Int.random(in: 1...10) * attempt))
            attempt += 1
        }
    }
}
