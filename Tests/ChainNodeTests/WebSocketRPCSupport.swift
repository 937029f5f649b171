import ChainNode
import Foundation
import HTTPClient
import JSON
import Sockets
import TestSupport
import Testing
import WebSocket
import WireModels

/// A WebSocket RPC client of a live node (`WebSocketClient` over loopback).
struct RPCTestClient {
    let connection: WebSocketConnection

    static func open(_ node: LiveChainNode, _ path: String, deflate: Bool = false) async throws -> RPCTestClient {
        let url = node.base.replacingOccurrences(of: "http://", with: "ws://") + path
        return RPCTestClient(connection: try await WebSocketClient.connect(url: url, deflate: deflate ? PerMessageDeflateConfiguration() : nil))
    }

    func send(_ value: JSONValue) throws {
        try connection.send(text: String(decoding: try JSONSerializer().serialize(value), as: UTF8.self))
    }

    /// The next text message.
    func next() async throws -> String {
        guard case .text(let text)? = try await connection.receive() else {
            throw WebSocketError.connectionClosed(connection.closeStatus?.code ?? .abnormalClosure)
        }
        return text
    }

    /// The next message, decoded.
    func message() async throws -> ChainSocketMessage { try ChainSocketMessage(bytes: Array(try await next().utf8)) }

    /// The next frame.
    func frame() async throws -> ChainSubscriptionFrame {
        let decoded = try await message()
        guard case .frame(let frame) = decoded else { throw TestFailure("expected a frame, got \(decoded.json)") }
        return frame
    }

    /// Subscribes and returns the subscription (the answer must be the next message).
    func subscribe(_ id: String, _ topic: String, filter: JSONValue? = nil, since: UInt64? = nil) async throws -> ChainSubscribedMessage {
        var members = [JSONMember(key: "op", value: "subscribe"), JSONMember(key: "id", value: .string(id)), JSONMember(key: "topic", value: .string(topic))]
        if let filter { members.append(JSONMember(key: "filter", value: filter)) }
        if let since { members.append(JSONMember(key: "since", value: .integer(JSONInteger(Int64(since))))) }
        try send(.object(members))
        let answer = try await message()
        guard case .subscribed(let subscribed) = answer, subscribed.id == id else { throw TestFailure("expected subscribed \(id), got \(answer.json)") }
        return subscribed
    }

    func close() async { await connection.close() }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// `text` parsed as JSON.
func parseJSON(_ text: String) throws -> JSONValue {
    try JSONParser(limits: .init(maxInputBytes: 16 << 20)).parse(Array(text.utf8))
}

/// The bytes of a frame's `data` member as sent (the envelope is written around the encoded body).
func dataBytes(of frame: String) -> [UInt8] {
    let bytes = Array(frame.utf8)
    let marker = Array("\"data\":".utf8)
    guard let start = (0...(bytes.count - marker.count)).first(where: { Array(bytes[$0..<($0 + marker.count)]) == marker }) else { return [] }
    return Array(bytes[(start + marker.count)..<(bytes.count - 1)])
}

/// A raw WebSocket client on a blocking socket that reads only when told: the stalled
/// subscriber, and the client that never answers a ping. Reads go through `onOwnThread`.
final class RawWebSocketSubscriber: @unchecked Sendable {
    private let descriptor: Int32
    private var decoder = WebSocketFrameDecoder(configuration: .init(role: .client, maxFrameSize: 16 << 20))
    private var handshakeDone = false
    private var pending: [UInt8] = []

    /// Connects — with a receive buffer of `receiveBuffer` bytes set before the handshake, so the
    /// window the kernel offers stays that small — and sends the upgrade for `path`.
    init(port: Int, path: String, receiveBuffer: Int32? = nil) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw TestFailure("socket() failed") }
        if var size = receiveBuffer {
            _ = setsockopt(descriptor, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(clamping: port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(descriptor)
            throw TestFailure("connect() failed")
        }
        try write(Array((
            "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n").utf8))
    }

    deinit { close(descriptor) }

    private func write(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard written > 0 else { throw TestFailure("send() failed") }
            offset += written
        }
    }

    /// The next bytes (waiting up to 60 s, a liveness bound); empty at end of stream.
    private func readAvailable() throws -> [UInt8] {
        var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        guard poll(&poller, 1, 60_000) > 0 else { throw TestFailure("nothing to read for 60 s") }
        var chunk = [UInt8](repeating: 0, count: 65_536)
        let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        return count > 0 ? Array(chunk[0..<count]) : []
    }

    /// Reads up to the end of the 101 head (frames after it stay buffered); the status line.
    func readHandshake() throws -> String {
        let terminator = Array("\r\n\r\n".utf8)
        while true {
            if let end = (0..<max(0, pending.count - 3)).first(where: { Array(pending[$0..<($0 + 4)]) == terminator }) {
                let head = String(decoding: pending[0..<end], as: UTF8.self)
                decoder.append(Array(pending[(end + 4)...]))
                pending = []
                handshakeDone = true
                return String(head.prefix { $0 != "\r" })
            }
            let bytes = try readAvailable()
            guard !bytes.isEmpty else { throw TestFailure("closed before the handshake answer") }
            pending += bytes
        }
    }

    /// The next frame; nil at end of stream.
    func nextFrame() throws -> WebSocketFrame? {
        if !handshakeDone { _ = try readHandshake() }
        while true {
            if let frame = try decoder.nextFrame() { return frame }
            let bytes = try readAvailable()
            guard !bytes.isEmpty else { return nil }
            decoder.append(bytes)
        }
    }

    /// Answers the server's close (1000), so its closing handshake ends now.
    func sendClose() throws {
        try write(WebSocketFrameEncoder.encode(WebSocketFrame(opcode: .close, maskKey: 0x0102_0304, payload: [0x03, 0xE8])))
    }

    /// Reads frames up to the close frame: the text messages before it, and its code and reason.
    func readUntilClose() throws -> (texts: [String], pings: Int, code: UInt16?, reason: String) {
        var texts: [String] = []
        var pings = 0
        while let frame = try nextFrame() {
            switch frame.opcode {
            case .text: texts.append(String(decoding: frame.payload, as: UTF8.self))
            case .ping: pings += 1
            case .close:
                let payload = frame.payload
                guard payload.count >= 2 else { return (texts, pings, nil, "") }
                return (texts, pings, UInt16(payload[0]) << 8 | UInt16(payload[1]), String(decoding: payload[2...], as: UTF8.self))
            default: continue
            }
        }
        return (texts, pings, nil, "")
    }
}
