import Synchronization

/// One direction of an `InMemoryByteStream`: a bounded byte buffer with one waiting reader
/// and any number of waiting writers, all resumed under the lock's state transitions.
final class InMemoryPipe: Sendable {
    private struct State {
        var buffer: [UInt8] = []
        var head = 0
        var closed = false
        var reader: (id: UInt64, maxCount: Int, continuation: CheckedContinuation<[UInt8]?, any Error>)?
        var writers: [(id: UInt64, continuation: CheckedContinuation<Void, any Error>)] = []
        var nextID: UInt64 = 0
        var count: Int { buffer.count - head }

        mutating func take(_ maxCount: Int) -> [UInt8] {
            let end = head + min(maxCount, count)
            let chunk = Array(buffer[head..<end])
            head = end
            if head == buffer.count {
                buffer.removeAll(keepingCapacity: true)
                head = 0
            }
            return chunk
        }
    }

    private let capacity: Int
    private let state = Mutex(State())

    init(capacity: Int) { self.capacity = max(1, capacity) }

    var bufferedCount: Int { state.withLock { $0.count } }

    func read(maxCount: Int) async throws -> [UInt8]? {
        let id = state.withLock { state in
            state.nextID += 1
            return state.nextID
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<[UInt8]?, any Error>) in
                let (result, writers) = state.withLock { state -> (Result<[UInt8]?, any Error>?, [CheckedContinuation<Void, any Error>]) in
                    if Task.isCancelled { return (.failure(CancellationError()), []) }
                    if state.count > 0 {
                        let chunk = state.take(maxCount)
                        return (.success(chunk), state.count <= capacity ? drainWriters(&state) : [])
                    }
                    if state.closed { return (.success(nil), []) }
                    precondition(state.reader == nil, "InMemoryByteStream supports one reader at a time")
                    state.reader = (id, maxCount, continuation)
                    return (nil, [])
                }
                for writer in writers { writer.resume() }
                if let result { continuation.resume(with: result) }
            }
        } onCancel: {
            let reader = state.withLock { state -> CheckedContinuation<[UInt8]?, any Error>? in
                guard let reader = state.reader, reader.id == id else { return nil }
                state.reader = nil
                return reader.continuation
            }
            reader?.resume(throwing: CancellationError())
        }
    }

    func write(_ bytes: [UInt8]) async throws {
        let id = state.withLock { state in
            state.nextID += 1
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let (result, reader) = state.withLock { state -> (Result<Void, any Error>?, (CheckedContinuation<[UInt8]?, any Error>, [UInt8])?) in
                    if state.closed { return (.failure(InMemoryByteStreamError.closed), nil) }
                    if Task.isCancelled { return (.failure(CancellationError()), nil) }
                    state.buffer.append(contentsOf: bytes)
                    var wake: (CheckedContinuation<[UInt8]?, any Error>, [UInt8])?
                    if let reader = state.reader, state.count > 0 {
                        state.reader = nil
                        wake = (reader.continuation, state.take(reader.maxCount))
                    }
                    if state.count <= capacity { return (.success(()), wake) }
                    state.writers.append((id, continuation))
                    return (nil, wake)
                }
                if let (readerContinuation, chunk) = reader { readerContinuation.resume(returning: chunk) }
                if let result { continuation.resume(with: result) }
            }
        } onCancel: {
            let writer = state.withLock { state -> CheckedContinuation<Void, any Error>? in
                guard let index = state.writers.firstIndex(where: { $0.id == id }) else { return nil }
                return state.writers.remove(at: index).continuation
            }
            writer?.resume(throwing: CancellationError())
        }
    }

    func close() {
        let (reader, writers) = state.withLock { state -> (CheckedContinuation<[UInt8]?, any Error>?, [CheckedContinuation<Void, any Error>]) in
            state.closed = true
            let reader = state.reader?.continuation
            state.reader = nil
            let writers = state.writers.map(\.continuation)
            state.writers = []
            return (reader, writers)
        }
        reader?.resume(returning: nil)
        for writer in writers { writer.resume(throwing: InMemoryByteStreamError.closed) }
    }

    private func drainWriters(_ state: inout State) -> [CheckedContinuation<Void, any Error>] {
        let writers = state.writers.map(\.continuation)
        state.writers = []
        return writers
    }
}
