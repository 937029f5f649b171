import Glibc
import Sockets
import Testing

/// `OutboundBuffer`: partial writes against a small send buffer, the high-water bound, and a
/// flush after the peer closed failing with a typed error.
@Suite(.timeLimit(.minutes(1))) struct OutboundBufferTests {
    @Test func partialWritesDeliverEveryByteInOrder() throws {
        let (writer, reader) = try Socket.pair()
        var size: Int32 = 4096
        _ = setsockopt(writer.rawValue, SOL_SOCKET, SO_SNDBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        let payload = (0..<(512 * 1024)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        var buffer = OutboundBuffer(highWaterMark: 64 * 1024)
        buffer.append(payload)
        #expect(buffer.pendingCount == payload.count)
        #expect(buffer.isAboveHighWaterMark)

        let first = try buffer.flush(to: writer.descriptor)
        // The kernel takes only part of it: the rest waits for EPOLLOUT.
        #expect(!first.isComplete)
        #expect(first.written > 0)
        #expect(buffer.pendingCount == payload.count - first.written)

        var received: [UInt8] = []
        var scratch = [UInt8](repeating: 0, count: 65_536)
        var partialFlushes = 1
        while received.count < payload.count {
            let outcome = try scratch.withUnsafeMutableBytes { raw throws(SocketError) in try reader.descriptor.read(into: raw) }
            if case .bytes(let count) = outcome { received.append(contentsOf: scratch[0..<count]) }
            if !buffer.isEmpty {
                let progress = try buffer.flush(to: writer.descriptor)
                if !progress.isComplete { partialFlushes += 1 }
            }
        }
        #expect(received == payload)
        #expect(buffer.isEmpty)
        #expect(!buffer.isAboveHighWaterMark)
        #expect(partialFlushes > 1)
    }

    @Test func appendedPiecesGoOutTogether() throws {
        let (writer, reader) = try Socket.pair()
        var buffer = OutboundBuffer()
        buffer.append(Array("head ".utf8))
        buffer.append { $0.append(contentsOf: Array("body".utf8)) }
        let progress = try buffer.flush(to: writer.descriptor)
        #expect(progress == OutboundBuffer.Progress(written: 9, isComplete: true))
        #expect(try reader.descriptor.readSome() == Array("head body".utf8))
        #expect(try buffer.flush(to: writer.descriptor) == OutboundBuffer.Progress(written: 0, isComplete: true))
    }

    @Test func flushAfterThePeerClosedIsATypedError() throws {
        let (writer, reader) = try Socket.pair()
        reader.close()
        var buffer = OutboundBuffer()
        buffer.append(Array("lost".utf8))
        do {
            _ = try buffer.flush(to: writer.descriptor)
            Issue.record("a write to a closed peer succeeded")
        } catch {
            #expect(error.kind == .brokenPipe)
            #expect(error.isPeerGone)
        }
        // Nothing was taken: the bytes stay until the owner drops them.
        #expect(buffer.pendingCount == 4)
        buffer.removeAll()
        #expect(buffer.isEmpty)
    }

    @Test func resetPeerIsATypedError() throws {
        // TCP: a peer that closes with unread input answers with RST; the next sends fail with
        // ECONNRESET or EPIPE, both "peer gone".
        let listener = try SocketDescriptor.listen(on: SocketAddress(host: "127.0.0.1", port: 0))
        defer { listener.close() }
        let client = try Socket.connect(to: SocketAddress(host: "127.0.0.1", port: listener.localAddress().port), timeout: .seconds(5))
        var accepted: (SocketDescriptor, SocketAddress?)?
        while accepted == nil { accepted = try listener.accept() }
        let server = Socket(adopting: try #require(accepted).0)
        try client.descriptor.writeAll(Array("unread".utf8))
        pause(milliseconds: 20)
        server.close()
        pause(milliseconds: 20)
        var buffer = OutboundBuffer()
        var failure: SocketError?
        for _ in 0..<10 where failure == nil {
            buffer.append(Array("more".utf8))
            do { _ = try buffer.flush(to: client.descriptor) } catch { failure = error }
            pause(milliseconds: 10)
        }
        #expect(failure?.isPeerGone == true)
    }
}
