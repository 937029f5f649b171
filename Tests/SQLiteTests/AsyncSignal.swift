/// A one-way signal from a blocking SQLite body (on a connection's queue) to an async test,
/// without parking a Dispatch worker thread on a semaphore.
struct AsyncSignal: Sendable {
    private let stream: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation

    init() { (stream, continuation) = AsyncStream.makeStream() }

    func signal() { continuation.yield() }

    func wait() async {
        for await _ in stream { return }
    }
}
