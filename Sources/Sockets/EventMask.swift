import CLinuxShims

/// epoll event bits, so modules above Sockets need not import the C shims.
public enum EventMask {
    /// `EPOLLIN`: readable, or a pending connection on a listener.
    public static let readable: UInt32 = EPOLLIN.rawValue
    /// `EPOLLOUT`: writable.
    public static let writable: UInt32 = EPOLLOUT.rawValue
    /// `EPOLLHUP`: both directions closed.
    public static let hangup: UInt32 = EPOLLHUP.rawValue
    /// `EPOLLERR`: a pending socket error.
    public static let error: UInt32 = EPOLLERR.rawValue
    /// `EPOLLEXCLUSIVE`: wake one waiter of a shared descriptor (listeners shared by several loops).
    public static let exclusive: UInt32 = EPOLLEXCLUSIVE.rawValue
}
