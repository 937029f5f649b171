/// An HTTP protocol version (RFC 9112 §2.3).
public struct HTTPVersion: Hashable, Sendable, CustomStringConvertible {
    /// `HTTP/`, the start of every version on the wire (made once, not per parsed message).
    static let namePrefix: [UInt8] = Array("HTTP/".utf8)

    /// The major digit.
    public var major: Int
    /// The minor digit.
    public var minor: Int

    /// Builds a version from its two digits.
    public init(major: Int, minor: Int) {
        self.major = major
        self.minor = minor
    }

    /// HTTP/1.0.
    public static let http1_0 = HTTPVersion(major: 1, minor: 0)
    /// HTTP/1.1.
    public static let http1_1 = HTTPVersion(major: 1, minor: 1)

    /// `HTTP/x.y`.
    public var description: String { "HTTP/\(major).\(minor)" }
}
