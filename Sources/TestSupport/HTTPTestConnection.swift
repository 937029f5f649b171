import Foundation
import Glibc
public import HTTP1
public import Sockets

/// A blocking raw-socket HTTP/1.1 client for server tests: send exact bytes, read parsed responses.
///
/// `@unchecked Sendable`: a test hands it between threads but uses it from one at a time.
public final class HTTPTestConnection: @unchecked Sendable {
    /// The connected socket.
    public let socket: SocketDescriptor
    var buffer: [UInt8] = []
    var closedByPeer = false
    /// How long a read may wait before the test fails.
    public var timeout: Duration

    /// Why a test read failed.
    public enum Failure: Error, CustomStringConvertible {
        /// Nothing arrived in time.
        case timedOut
        /// The response could not be parsed.
        case malformed(String)
        /// The server closed before a complete response.
        case closed

        /// A readable reason.
        public var description: String {
            switch self {
            case .timedOut: "timed out"
            case .malformed(let why): "malformed response: \(why)"
            case .closed: "connection closed"
            }
        }
    }

    /// Connects to `host:port`. The read timeout is a liveness bound, not a speed check: with
    /// ~1,200 tests on two cores an in-process server's handler can wait its turn on the
    /// cooperative pool for over ten seconds while the suites started before it run.
    /// - Throws: `SocketError` when the connection fails.
    public init(port: Int, host: String = "127.0.0.1", timeout: Duration = .seconds(30)) throws {
        socket = try SocketDescriptor.connect(to: SocketAddress(host: host, port: port), nonBlocking: true)
        self.timeout = timeout
    }

    deinit { socket.close() }

    /// Sends text as UTF-8.
    /// - Throws: `SocketError` when the peer is gone.
    public func send(_ text: String) throws { try socket.writeAll(Array(text.utf8)) }

    /// Sends bytes.
    /// - Throws: `SocketError` when the peer is gone.
    public func send(bytes: [UInt8]) throws { try socket.writeAll(bytes) }

    /// Reads more bytes into the buffer; false at end of stream.
    func fill() throws -> Bool {
        if closedByPeer { return false }
        let (seconds, attoseconds) = timeout.components
        var poller = pollfd(fd: socket.rawValue, events: Int16(POLLIN), revents: 0)
        let millis = Int32(seconds * 1000 + attoseconds / 1_000_000_000_000_000)
        guard poll(&poller, 1, millis) > 0 else { throw Failure.timedOut }
        var chunk = [UInt8](repeating: 0, count: 65_536)
        let outcome = chunk.withUnsafeMutableBytes { raw in Result { () throws(SocketError) in try socket.read(into: raw) } }
        switch outcome {
        case .success(.bytes(let count)):
            buffer.append(contentsOf: chunk[0..<count])
            return true
        case .success(.wouldBlock): return true
        case .success(.endOfFile), .failure:
            closedByPeer = true
            return false
        }
    }

    /// Returns the bytes already buffered past the last response, or waits for the next ones;
    /// empty at end of stream. For raw protocols after an upgrade.
    /// - Throws: `Failure.timedOut` when nothing arrives.
    public func readAvailable() throws -> [UInt8] {
        if buffer.isEmpty { _ = try fill() }
        defer { buffer = [] }
        return buffer
    }

    /// Reads until the server closes, returning the bytes not yet consumed.
    /// - Throws: `Failure.timedOut` when the server keeps the connection open.
    public func readUntilClosed() throws -> [UInt8] {
        while try fill() {}
        defer { buffer = [] }
        return buffer
    }

    /// Whether the server closed the connection (after any unread bytes).
    /// - Throws: `Failure.timedOut` when it stays open past the timeout.
    public func waitForClose() throws -> Bool {
        _ = try readUntilClosed()
        return closedByPeer
    }

    /// Reads one response; `requestMethod` HEAD means no body follows.
    /// - Throws: `Failure` when it does not arrive or does not parse.
    public func readResponse(requestMethod: HTTPMethod = .get) throws -> HTTPTestResponse {
        var headEnd: Int?
        while headEnd == nil {
            headEnd = Self.find([13, 10, 13, 10], in: buffer)
            if headEnd == nil, !(try fill()) { throw Failure.closed }
        }
        guard let headEnd else { throw Failure.closed }
        let headText = String(decoding: buffer[0..<headEnd], as: UTF8.self)
        buffer.removeFirst(headEnd + 4)
        var lines = headText.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst()
        let parts = statusLine.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let status = Int(parts[1]) else {
            throw Failure.malformed(statusLine)
        }
        var headers = HTTPHeaders()
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { throw Failure.malformed(line) }
            headers.add(name: String(line[..<colon]), value: line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        var response = HTTPTestResponse(status: status, headers: headers, body: [])
        if requestMethod == .head || status < 200 || status == 204 || status == 304 { return response }
        if headers["Transfer-Encoding"]?.lowercased() == "chunked" {
            response.body = try readChunked()
        } else if let length = headers["Content-Length"].flatMap({ Int($0) }) {
            while buffer.count < length { if !(try fill()) { throw Failure.closed } }
            response.body = Array(buffer[0..<length])
            buffer.removeFirst(length)
        } else {
            response.body = try readUntilClosed()
        }
        return response
    }

    func readChunked() throws -> [UInt8] {
        var body: [UInt8] = []
        while true {
            var lineEnd = Self.find([13, 10], in: buffer)
            while lineEnd == nil {
                if !(try fill()) { throw Failure.closed }
                lineEnd = Self.find([13, 10], in: buffer)
            }
            guard let end = lineEnd, let size = Int(String(decoding: buffer[0..<end], as: UTF8.self).split(separator: ";")[0], radix: 16)
            else { throw Failure.malformed("chunk size") }
            buffer.removeFirst(end + 2)
            if size == 0 {
                while Self.find([13, 10], in: buffer) != 0 {
                    if let trailerEnd = Self.find([13, 10], in: buffer) { buffer.removeFirst(trailerEnd + 2); continue }
                    if !(try fill()) { throw Failure.closed }
                }
                buffer.removeFirst(2)
                return body
            }
            while buffer.count < size + 2 { if !(try fill()) { throw Failure.closed } }
            body.append(contentsOf: buffer[0..<size])
            buffer.removeFirst(size + 2)
        }
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for start in 0...(haystack.count - needle.count) where haystack[start..<(start + needle.count)].elementsEqual(needle) {
            return start
        }
        return nil
    }
}

/// A response read by `HTTPTestConnection`.
public struct HTTPTestResponse: Sendable {
    /// The status code.
    public var status: Int
    /// The headers.
    public var headers: HTTPHeaders
    /// The de-chunked body.
    public var body: [UInt8]
    /// The body as UTF-8 text.
    public var text: String { String(decoding: body, as: UTF8.self) }
}
