import Foundation

/// Runs blocking work (disk walks, waitpid, poll, state.json fsyncs) on a dedicated thread and
/// awaits its result, so the cooperative pool — two threads on a small host — keeps serving
/// heartbeats and polls.
enum BlockingWork {
    /// `body` on a new thread named `name`; its value comes back here.
    static func value<T: Sendable>(name: String, _ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            let thread = Thread { continuation.resume(returning: body()) }
            thread.name = name
            thread.start()
        }
    }

    /// `body` on a new thread named `name`; its result or typed error comes back here.
    static func run<T: Sendable>(
        name: String, _ body: @escaping @Sendable () throws(ExecutionFailure) -> T
    ) async throws(ExecutionFailure) -> T {
        try await result(name: name, body).get()
    }

    /// `body` on a new thread named `name`, its outcome as a `Result` (for callers inside
    /// APIs that do not carry typed errors, such as `withTaskCancellationHandler`).
    static func result<T: Sendable>(
        name: String, _ body: @escaping @Sendable () throws(ExecutionFailure) -> T
    ) async -> Result<T, ExecutionFailure> {
        await withCheckedContinuation { continuation in
            let thread = Thread {
                continuation.resume(returning: Result { () throws(ExecutionFailure) -> T in try body() })
            }
            thread.name = name
            thread.start()
        }
    }
}
