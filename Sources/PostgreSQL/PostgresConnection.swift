internal import CLibPQ
import Glibc
import Synchronization

/// One connection to a PostgreSQL server: owns the libpq `PGconn*` and the thread that runs
/// every blocking libpq call on it.
///
/// Statements run one at a time, in the order they are called. Use a connection from one task
/// at a time (a pool lease, or a connection of your own): statements of two tasks interleaved
/// inside one transaction would share it.
///
/// `@unchecked Sendable` invariant: `handle` is touched only by jobs on `worker`, one thread,
/// so libpq never sees two threads at once and blocking calls never run on the cooperative pool.
/// The state the pool reads from other threads (`status`) sits behind a `Mutex`.
public final class PostgresConnection: @unchecked Sendable {
    /// What the pool needs to know after a lease, updated by the worker after every call.
    struct Status {
        var broken = false
        var idle = true
        var closed = false
        var transactionDepth = 0
    }

    private let handle: OpaquePointer
    private let worker: WorkerThread
    let status = Mutex(Status())
    /// The configuration, whose `description` hides the password.
    public let configuration: PostgresConfiguration
    /// The server process serving this connection (`pg_backend_pid()`), for logs and `pg_terminate_backend`.
    public let backendPID: Int32

    private init(handle: OpaquePointer, worker: WorkerThread, configuration: PostgresConfiguration) {
        self.handle = handle
        self.worker = worker
        self.configuration = configuration
        self.backendPID = PQbackendPID(handle)
    }

    deinit {
        // Every job holds `self`, so none is queued or running: finishing here is single-threaded.
        if !status.withLock({ $0.closed }) { PQfinish(handle) }
        worker.stop()
    }

    /// Connects, waiting at most the configuration's connect timeout per attempt (libpq tries
    /// each address of the host in turn).
    /// - Throws: `PostgresError` of kind `.connectionFailed` (refused, timeout, authentication,
    ///   unknown database); the message never contains the password.
    public static func connect(_ configuration: PostgresConfiguration) async throws(PostgresError) -> PostgresConnection {
        let worker = try WorkerThread()
        let result: Result<PostgresConnection, PostgresError> = await withUnsafeContinuation { continuation in
            let accepted = worker.submit {
                continuation.resume(returning: Self.connectBlocking(configuration, worker: worker))
            }
            if !accepted {
                continuation.resume(returning: .failure(PostgresError(kind: .connectionClosed, message: "connection thread stopped")))
            }
        }
        if case .failure = result { worker.stop() }
        return try result.get()
    }

    private static func connectBlocking(
        _ configuration: PostgresConfiguration, worker: WorkerThread
    ) -> Result<PostgresConnection, PostgresError> {
        let parameters = configuration.libpqParameters
        var keywords: [UnsafePointer<CChar>?] = parameters.map { UnsafePointer(strdup($0.0)) }
        var values: [UnsafePointer<CChar>?] = parameters.map { UnsafePointer(strdup($0.1)) }
        defer {
            for pointer in keywords + values { free(UnsafeMutablePointer(mutating: pointer)) }
        }
        guard !keywords.contains(nil), !values.contains(nil) else {
            return .failure(PostgresError(kind: .connectionFailed, message: "out of memory"))
        }
        keywords.append(nil)
        values.append(nil)
        // expand_dbname 0: the database name is a name, never parsed as a conninfo string.
        guard let handle = PQconnectdbParams(keywords, values, 0) else {
            return .failure(PostgresError(kind: .connectionFailed, message: "out of memory"))
        }
        guard PQstatus(handle) == CONNECTION_OK else {
            let message = Self.redact(Self.libpqMessage(handle), password: configuration.password)
            PQfinish(handle)
            return .failure(PostgresError(kind: .connectionFailed, message: "\(configuration): \(message)"))
        }
        clibpq_silence_notices(handle)
        return .success(PostgresConnection(handle: handle, worker: worker, configuration: configuration))
    }

    /// Closes the connection after the statements already queued. Later calls fail with `.connectionClosed`.
    public func close() async {
        await withUnsafeContinuation { (continuation: UnsafeContinuation<Void, Never>) in
            let accepted = worker.submit {
                let first = self.status.withLock { status in
                    defer { status.closed = true }
                    return !status.closed
                }
                if first { PQfinish(self.handle) }
                continuation.resume()
            }
            if !accepted { continuation.resume() }
        }
        worker.stop()
    }

    /// Whether the connection can serve another caller: open, not broken, no transaction left open.
    public var isReusable: Bool {
        status.withLock { !$0.closed && !$0.broken && $0.idle }
    }

    /// Runs `body` on the connection's thread with the live handle.
    func run<T: Sendable>(_ body: @escaping @Sendable (OpaquePointer) -> Result<T, PostgresError>) async throws(PostgresError) -> T {
        let result: Result<T, PostgresError> = await withUnsafeContinuation { continuation in
            let accepted = worker.submit {
                guard !self.status.withLock({ $0.closed }) else {
                    continuation.resume(returning: .failure(PostgresError(kind: .connectionClosed, message: "the connection was closed")))
                    return
                }
                let result = body(self.handle)
                self.refreshStatus()
                continuation.resume(returning: result)
            }
            if !accepted {
                continuation.resume(returning: .failure(PostgresError(kind: .connectionClosed, message: "the connection was closed")))
            }
        }
        return try result.get()
    }

    /// Records whether libpq considers the connection broken and whether a transaction is open.
    private func refreshStatus() {
        let broken = PQstatus(handle) != CONNECTION_OK
        let idle = PQtransactionStatus(handle) == PQTRANS_IDLE
        status.withLock { status in
            status.broken = broken
            status.idle = idle
        }
    }

    /// libpq's last message on `handle`, trimmed.
    static func libpqMessage(_ handle: OpaquePointer) -> String {
        guard let text = PQerrorMessage(handle) else { return "unknown libpq error" }
        let message = String(cString: text)
        let trimmed = message.split(whereSeparator: { $0 == "\n" }).map { $0.trimmingSpaces }.filter { !$0.isEmpty }
        return trimmed.isEmpty ? "unknown libpq error" : trimmed.joined(separator: " ")
    }

    /// libpq never echoes a password, but a message that somehow carried it must not reach a log.
    static func redact(_ message: String, password: String?) -> String {
        guard let password, !password.isEmpty, message.contains(password) else { return message }
        return message.replacing(password, with: "***")
    }
}

extension Substring {
    var trimmingSpaces: Substring {
        var text = self
        while text.first == " " || text.first == "\t" { text = text.dropFirst() }
        while text.last == " " || text.last == "\t" { text = text.dropLast() }
        return text
    }
}
