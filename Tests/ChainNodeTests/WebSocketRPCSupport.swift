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
    let connection: HTTPTestConnection
    private var decoder = WebSocketFrameDecoder(configuration: .init(role: .client, maxFrameSize: 16 << 20))
    private var handshakeDone = false
    private var pending: [UInt8] = []

    /// Connects with a small receive buffer (`receiveBuffer` bytes), sends the upgrade for `path`.
    init(port: Int, path: String, receiveBuffer: Int32? = nil) throws {
        connection = try HTTPTestConnection(port: port, timeout: .seconds(60))
        if var size = receiveBuffer {
            _ = setsockopt(connection.socket.rawValue, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        try connection.send(
            "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
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
            let bytes = try connection.readAvailable()
            guard !bytes.isEmpty else { throw TestFailure("closed before the handshake answer") }
            pending += bytes
        }
    }

    /// The next frame; nil at end of stream.
    func nextFrame() throws -> WebSocketFrame? {
        if !handshakeDone { _ = try readHandshake() }
        while true {
            if let frame = try decoder.nextFrame() { return frame }
            let bytes = try connection.readAvailable()
            guard !bytes.isEmpty else { return nil }
            decoder.append(bytes)
        }
    }

    /// Answers the server's close (1000), so its closing handshake ends now.
    func sendClose() throws {
        try connection.send(bytes: WebSocketFrameEncoder.encode(WebSocketFrame(opcode: .close, maskKey: 0x0102_0304, payload: [0x03, 0xE8])))
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
