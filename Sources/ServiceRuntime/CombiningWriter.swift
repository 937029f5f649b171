import Glibc
import Synchronization

/// Writes byte chunks to a file descriptor from many threads, in order, without making any
/// thread wait for another's `write(2)` (see `JSONLogHandler.standardOutput`).
final class CombiningWriter: Sendable {
    private struct State {
        var writing = false
        var pending: [UInt8] = []
    }

    /// Queued bytes past which a logging thread writes them itself rather than queue more
    /// (bounds memory if the descriptor blocks).
    static let maxPendingBytes = 1 << 20

    private let fd: Int32
    private let state = Mutex(State())

    init(fd: Int32) { self.fd = fd }

    func write(_ bytes: [UInt8]) {
        enum Role { case writer, queued, overflow }
        let role = state.withLock { state -> Role in
            guard state.writing else {
                state.writing = true
                return .writer
            }
            guard state.pending.count < Self.maxPendingBytes else { return .overflow }
            state.pending.append(contentsOf: bytes)
            return .queued
        }
        switch role {
        case .queued: return
        case .overflow:
            // Backlog full (the descriptor blocks): write this line directly rather than queue
            // without bound; its order against the queued lines is then not kept.
            writeFully(bytes)
            return
        case .writer: break
        }
        var chunk = bytes
        while true {
            writeFully(chunk)
            let next = state.withLock { state -> [UInt8]? in
                guard !state.pending.isEmpty else {
                    state.writing = false
                    return nil
                }
                var taken: [UInt8] = []
                swap(&taken, &state.pending)
                return taken
            }
            guard let next else { return }
            chunk = next
        }
    }

    private func writeFully(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count, let base = buffer.baseAddress {
                let written = Glibc.write(fd, base + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return
                }
                offset += written
            }
        }
    }
}
