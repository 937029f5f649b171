import BenchSupport
import Foundation

/// A lean keep-alive load generator, as wrk is: one thread, poll(2) over N non-blocking loopback
/// sockets, one request in flight on each, request bytes built before the clock starts, and
/// only the status line, `Content-Length` and the body read from the answer. The client shares
/// the machine's cores with the daemon; this keeps its share small (a few µs per request
/// against ~20 µs through `HTTPClient`'s async path), so the figure is the daemon's.
enum LeanLoad {
    /// One connection: the requests it cycles through (complete HTTP/1.1 messages) and how many to send.
    struct Lane {
        var requests: [[UInt8]]
        var count: Int
    }

    /// What the window gave: latencies, failures by reason, and every `sampleEvery`th answer body
    /// as (lane, request index, body).
    struct Result: Sendable {
        var latencies: [Double] = []
        var failures: [String: Int] = [:]
        var examples: [String] = []
        var samples: [(lane: Int, message: Int, body: ArraySlice<UInt8>)] = []
    }

    /// A POST with a JSON body for `port`.
    static func request(port: Int, path: String, body: [UInt8]) -> [UInt8] {
        Array("POST \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nContent-Type: application/json\r\nContent-Length: \(body.count)\r\n\r\n".utf8) + body
    }

    /// Runs `lanes` against 127.0.0.1:`port` on a thread of its own (not the cooperative pool).
    static func run(port: Int, lanes: [Lane], sampleEvery: Int) async -> Result {
        let box = UnsafeSendableBox((lanes, Result()))
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let thread = Thread {
                box.value.1 = drive(port: port, lanes: box.value.0, sampleEvery: sampleEvery)
                continuation.resume()
            }
            thread.name = "lean-load"
            thread.start()
        }
        return box.value.1
    }

    private struct Connection {
        var fd: Int32
        var lane: Int
        var sent = 0
        var message = 0
        var started = 0.0
        var buffer: [UInt8] = []
    }

    private static func drive(port: Int, lanes: [Lane], sampleEvery: Int) -> Result {
        var result = Result()
        result.latencies.reserveCapacity(lanes.reduce(0) { $0 + $1.count })
        var connections: [Connection] = []
        for index in lanes.indices { connections.append(Connection(fd: connect(port: port), lane: index)) }
        defer { for connection in connections { close(connection.fd) } }
        var active = 0
        for index in connections.indices where lanes[index].count > 0 {
            send(&connections[index], lanes[index])
            active += 1
        }
        var polls = connections.map { pollfd(fd: $0.fd, events: Int16(POLLIN), revents: 0) }
        var chunk = [UInt8](repeating: 0, count: 16_384)
        while active > 0 {
            let ready = poll(&polls, nfds_t(polls.count), 30_000)
            if ready < 0, errno == EINTR { continue }
            guard ready > 0 else { Bench.fail("no answer for 30 s (\(active) connections waiting)") }
            for index in polls.indices where polls[index].revents != 0 {
                polls[index].revents = 0
                let got = chunk.withUnsafeMutableBytes { read(connections[index].fd, $0.baseAddress, $0.count) }
                if got < 0, errno == EAGAIN || errno == EINTR { continue }
                guard got > 0 else { Bench.fail("connection \(index) closed by the daemon (\(got < 0 ? "errno \(errno)" : "EOF"))") }
                connections[index].buffer += chunk[0..<got]
                guard let (status, body) = complete(connections[index].buffer) else { continue }
                let connection = connections[index]
                result.latencies.append(Bench.now() - connection.started)
                if status != 200 {
                    result.failures["HTTP \(status)", default: 0] += 1
                    if result.examples.count < 5 { result.examples.append("HTTP \(status) \(String(decoding: body.prefix(200), as: UTF8.self))") }
                } else if connection.sent % sampleEvery == 0 {
                    result.samples.append((index, connection.message, body))
                }
                connections[index].buffer.removeAll(keepingCapacity: true)
                if connection.sent < lanes[index].count {
                    send(&connections[index], lanes[index])
                } else {
                    active -= 1
                }
            }
        }
        return result
    }

    /// Sends the lane's next request (the socket's buffer is empty: one request in flight).
    private static func send(_ connection: inout Connection, _ lane: Lane) {
        connection.message = connection.sent % lane.requests.count
        connection.sent += 1
        connection.started = Bench.now()
        let bytes = lane.requests[connection.message]
        var offset = 0
        while offset < bytes.count {
            let wrote = bytes.withUnsafeBytes { raw -> Int in
                guard let base = raw.baseAddress else { return 0 }
                return write(connection.fd, base + offset, bytes.count - offset)
            }
            if wrote > 0 || bytes.isEmpty {
                offset += wrote
            } else if wrote < 0, errno == EAGAIN || errno == EINTR {
                var poll = pollfd(fd: connection.fd, events: Int16(POLLOUT), revents: 0)
                _ = Glibc.poll(&poll, 1, 1_000)
            } else {
                Bench.fail("write: errno \(errno)")
            }
        }
    }

    /// Status and body once the buffer holds a whole answer (framed by `Content-Length`; an
    /// answer without one fails the run). Byte-level, no strings: this runs once per request.
    private static func complete(_ buffer: [UInt8]) -> (Int, ArraySlice<UInt8>)? {
        guard buffer.count >= 16, let end = headerEnd(buffer) else { return nil }
        guard buffer[0..<9].elementsEqual("HTTP/1.1 ".utf8), buffer[9...11].allSatisfy({ (48...57).contains($0) }) else {
            Bench.fail("bad status line: \(String(decoding: buffer.prefix(100), as: UTF8.self))")
        }
        let status = Int(buffer[9] - 48) * 100 + Int(buffer[10] - 48) * 10 + Int(buffer[11] - 48)
        guard let length = contentLength(buffer, headerEnd: end) else {
            Bench.fail("an answer without Content-Length: \(String(decoding: buffer[0..<end], as: UTF8.self))")
        }
        guard buffer.count >= end + 4 + length else { return nil }
        return (status, buffer[(end + 4)..<(end + 4 + length)])
    }

    private static let contentLengthName = Array("\r\ncontent-length:".utf8)

    /// The value of `Content-Length` (name matched without case) in `buffer[..<headerEnd]`.
    private static func contentLength(_ buffer: [UInt8], headerEnd: Int) -> Int? {
        let name = contentLengthName
        var i = 0
        while i + name.count <= headerEnd {
            var matched = true
            for j in 0..<name.count where (buffer[i + j] | (j > 1 ? 0x20 : 0)) != name[j] {
                matched = false
                break
            }
            if matched {
                var k = i + name.count
                while k < headerEnd, buffer[k] == 32 { k += 1 }
                var value = 0
                var digits = 0
                while k < headerEnd, (48...57).contains(buffer[k]) {
                    value = value * 10 + Int(buffer[k] - 48)
                    digits += 1
                    k += 1
                }
                return digits > 0 ? value : nil
            }
            i += 1
        }
        return nil
    }

    private static func headerEnd(_ buffer: [UInt8]) -> Int? {
        var i = 0
        while i + 3 < buffer.count {
            if buffer[i] == 13, buffer[i + 1] == 10, buffer[i + 2] == 13, buffer[i + 3] == 10 { return i }
            i += 1
        }
        return nil
    }

    /// A blocking connect to 127.0.0.1:`port`, then non-blocking with TCP_NODELAY.
    private static func connect(port: Int) -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { Bench.fail("socket: errno \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else { Bench.fail("connect 127.0.0.1:\(port): errno \(errno)") }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        return fd
    }
}
