import Glibc
import Sockets
import Synchronization
import Testing
import TestSupport

/// `Socket`: the descriptor owner closes exactly once; non-blocking connect over loopback.
@Suite(.timeLimit(.minutes(1))) struct SocketTests {
    @Test func closeRunsOnceAndThePeerSeesEndOfStream() throws {
        let (owner, peer) = try Socket.pair()
        #expect(!owner.isClosed)
        #expect(owner.close())
        #expect(owner.isClosed)
        // A second close must not close whatever descriptor reused the number meanwhile.
        #expect(!owner.close())
        #expect(try peer.descriptor.readSome().isEmpty)
    }

    @Test func racingClosesCloseOnce() async throws {
        let (owner, _) = try Socket.pair()
        let closers = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<16 { group.addTask { owner.close() } }
            var count = 0
            for await closed in group where closed { count += 1 }
            return count
        }
        #expect(closers == 1)
    }

    @Test func releasingTheOwnerClosesTheDescriptor() throws {
        var owner: Socket?
        let peer: Socket
        (owner, peer) = try Socket.pair()
        #expect(owner?.isClosed == false)
        owner = nil
        #expect(try peer.descriptor.readSome().isEmpty)
    }

    @Test func connectsToAListenerWithinTheDeadline() throws {
        let listener = try SocketDescriptor.listen(on: SocketAddress(host: "127.0.0.1", port: 0))
        defer { listener.close() }
        let address = try SocketAddress(host: "127.0.0.1", port: listener.localAddress().port)
        let client = try Socket.connect(to: address, timeout: .seconds(5))
        var accepted: (SocketDescriptor, SocketAddress?)?
        while accepted == nil { accepted = try listener.accept() }
        let server = try #require(accepted).0
        defer { server.close() }
        try client.descriptor.writeAll(Array("ping".utf8))
        #expect(try server.readSome() == Array("ping".utf8))
    }

    @Test func connectStepsOverIPv6Loopback() throws {
        // Skipped where the machine has no IPv6 loopback.
        guard let listener = try? SocketDescriptor.listen(on: SocketAddress(host: "::1", port: 0)) else { return }
        defer { listener.close() }
        let address = try SocketAddress(host: "::1", port: listener.localAddress().port)
        let socket = try Socket.tcp(family: .ipv6)
        if try socket.beginConnect(to: address) == .inProgress {
            var poller = pollfd(fd: socket.rawValue, events: Int16(POLLOUT), revents: 0)
            #expect(poll(&poller, 1, 5000) == 1)
            try socket.finishConnect()
        }
        var accepted: (SocketDescriptor, SocketAddress?)?
        while accepted == nil { accepted = try listener.accept() }
        let (server, peer) = try #require(accepted)
        defer { server.close() }
        #expect(peer?.family == .ipv6)
    }

    @Test func refusedConnectIsTyped() throws {
        let refusing = try RefusingPort()
        defer { withExtendedLifetime(refusing) {} }
        let address = try SocketAddress(host: "127.0.0.1", port: refusing.port)
        do {
            _ = try Socket.connect(to: address, timeout: .seconds(5))
            Issue.record("connected to a closed port")
        } catch {
            #expect(error.kind == .refused)
            #expect(error.errno == ECONNREFUSED)
            #expect(error.call == "connect")
        }
    }

    @Test func connectToAFullBacklogMissesItsDeadline() throws {
        // Backlog 0 and nobody accepting: once the queue is full, Linux drops further SYNs, so a
        // connect stays pending — a black hole on loopback, no outside network needed.
        let listener = try SocketDescriptor.listen(on: SocketAddress(host: "127.0.0.1", port: 0), backlog: 0)
        defer { listener.close() }
        let address = try SocketAddress(host: "127.0.0.1", port: listener.localAddress().port)
        var fillers: [Socket] = []
        for _ in 0..<4 {
            let filler = try Socket.tcp(family: .ipv4)
            _ = try? filler.beginConnect(to: address)
            fillers.append(filler)
        }
        pause(milliseconds: 50)
        do {
            _ = try Socket.connect(to: address, timeout: .milliseconds(200))
            Issue.record("connected through a full backlog")
        } catch {
            #expect(error.kind == .timedOut)
        }
        #expect(fillers.count == 4)
    }
}

/// Blocks the calling thread (these tests drive plain blocking sockets; no Foundation here).
func pause(milliseconds: Int) {
    var time = timespec(tv_sec: milliseconds / 1000, tv_nsec: (milliseconds % 1000) * 1_000_000)
    _ = nanosleep(&time, nil)
}
