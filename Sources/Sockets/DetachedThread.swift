import CLinuxShims
import Glibc

/// Starts detached POSIX threads: the event loops', and blocking work that must stay off the
/// cooperative pool (waiting for a child, a deadline timer), without Foundation's `Thread`.
public enum DetachedThread {
    /// The closure handed through `pthread_create`'s context pointer.
    private final class Start {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }

    /// Runs `body` on a new detached thread.
    /// - Throws: `SocketError` naming `pthread_create` when the thread cannot be created.
    public static func spawn(_ body: @escaping @Sendable () -> Void) throws(SocketError) {
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
        let context = Unmanaged.passRetained(Start(body)).toOpaque()
        var thread = pthread_t()
        let result = pthread_create(&thread, &attributes, { context in
            guard let context else { return nil }
            Unmanaged<Start>.fromOpaque(context).takeRetainedValue().body()
            return nil
        }, context)
        guard result == 0 else {
            Unmanaged<Start>.fromOpaque(context).release()
            throw SocketError(call: "pthread_create", errno: result, message: String(cString: strerror(result)))
        }
    }
}
