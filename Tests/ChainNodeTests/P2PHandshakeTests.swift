@testable import ChainNode
import Cryptography
import Foundation
import HTTP1
import HTTPClient
import JSON
import Ledger
import MetricsTestKit
import Testing
import WebSocket

/// The hello/auth handshake over a real `/p2p` socket: each refusal answers an `error` frame
/// with its code, closes with 1008 and is counted; an honest peer is listed in `/p2p/peers`.
@Suite struct P2PHandshakeTests {
    enum Case: String, CaseIterable, Sendable {
        case otherGenesis, otherChain, protocolVersion, selfConnection, badAuth
    }

    @Test(arguments: Case.allCases)
    func aHelloOrAuthThatDoesNotFitIsRefusedWithItsReason(_ refusal: Case) async throws {
        let fixture = try P2PTestNode.fixture()
        let node = try await P2PTestNode.start(fixture, name: "node", authority: true, clock: IdleClock())
        let peer = try await RawP2PPeer(address: node.address)
        let genesis = fixture.genesis
        let expected: String
        switch refusal {
        case .otherGenesis:
            try peer.send(peer.hello(genesis, genesisHash: [UInt8](repeating: 7, count: 32)))
            expected = "genesis"
        case .otherChain:
            try peer.send(peer.hello(genesis, chainID: "ait-other"))
            expected = "chain_id"
        case .protocolVersion:
            try peer.send(peer.hello(genesis, protocolVersion: P2PHello.protocolVersion + 1))
            expected = "protocol"
        case .selfConnection:
            try peer.send(peer.hello(genesis, nodeKey: node.p2p.nodeKey.publicKey.rawRepresentation))
            expected = "self"
        case .badAuth:
            try peer.send(peer.hello(genesis))
            _ = await peer.receive(type: "hello")
            try peer.send(P2PMessage.auth(signature: [UInt8](repeating: 0, count: 64)).json)
            expected = "bad_auth"
        }
        #expect(await peer.errorCode() == expected)
        #expect(await peer.receive() == nil)
        #expect(peer.connection.closeStatus?.code == .policyViolation)
        #expect(node.metrics.counterTotal(label: "p2p_handshake_failures_total", dimensions: [("reason", expected)]) == 1)
        let (_, peers) = try await node.get("/p2p/peers")
        #expect(peers["peers"]?.arrayValue?.isEmpty == true)
        await node.stop()
    }

    @Test func anHonestPeerIsListedAndASecondConnectionWithItsKeyIsRefused() async throws {
        let fixture = try P2PTestNode.fixture()
        let node = try await P2PTestNode.start(fixture, name: "node", authority: true, clock: IdleClock())
        let peer = try await RawP2PPeer(address: node.address)
        let theirs = try await peer.handshake(fixture.genesis)
        #expect(theirs?["node_key"]?.stringValue == node.p2p.nodeKeyHex)
        let status = await peer.receive(type: "status")
        #expect(status?["head"]?["height"] == 0, "\(String(describing: status))")
        let listed = await eventuallyAsync {
            let (_, body) = try await node.get("/p2p/peers")
            return body["peers"]?.arrayValue?.first?["connected"] == true
                && body["peers"]?.arrayValue?.first?["node_key"]?.stringValue == peer.key.publicKey.hex
        }
        #expect(listed)
        // The same key again while the first is connected.
        let twin = try await RawP2PPeer(address: node.address, key: peer.key)
        _ = try await twin.handshake(fixture.genesis)
        #expect(await twin.errorCode() == "duplicate")
        let (_, sync) = try await node.get("/rpc/syncStatus")
        #expect(sync["peers"] == 1)
        #expect(sync["best_peer_head"] == 0)
        await peer.close()
        await node.stop()
    }

    @Test func aPeerThatSaysNothingIsClosedAtTheDeadlineAndOneOverMaxPeersIsRefused() async throws {
        let fixture = try P2PTestNode.fixture()
        let node = try await P2PTestNode.start(fixture, name: "node", authority: true, clock: IdleClock()) { (settings: inout P2PSettings) in
            // Long enough for honest handshakes on a loaded machine (the whole suite runs in
            // parallel), short enough to wait out for the silent one.
            settings.handshakeTimeout = .seconds(2)
            settings.maxPeers = 1
        }
        let silent = try await RawP2PPeer(address: node.address)
        _ = await silent.receive(type: "error")
        #expect(silent.connection.closeStatus?.code == .policyViolation)
        #expect(await eventuallyAsync { node.metrics.counterTotal(label: "p2p_handshake_failures_total", dimensions: [("reason", "timeout")]) == 1 })
        let first = try await RawP2PPeer(address: node.address)
        #expect(try await first.handshake(fixture.genesis) != nil)
        let second = try await RawP2PPeer(address: node.address)
        _ = try await second.handshake(fixture.genesis)
        #expect(await second.errorCode() == "too_many_peers")
        await first.close()
        await node.stop()
    }

    @Test func peerAddressesAreReadInEitherSpelling() {
        #expect(PeerAddress.inbound(remote: "10.0.0.7:51234", listen: "ws://127.0.0.1:7070/p2p") == "ws://10.0.0.7:7070/p2p")
        #expect(PeerAddress.inbound(remote: "[::1]:51234", listen: "ws://0.0.0.0:7071/p2p") == "ws://[::1]:7071/p2p")
        #expect(PeerAddress.inbound(remote: "10.0.0.7:51234", listen: nil) == nil)
        #expect(PeerAddress.normalize("127.0.0.1:7071") == "ws://127.0.0.1:7071/p2p")
        #expect(PeerAddress.normalize("ws://node-b:7071/p2p") == "ws://node-b:7071/p2p")
        #expect(PeerAddress.normalize("ws://node-b:7071") == "ws://node-b:7071/p2p")
        #expect(PeerAddress.normalize("http://node-b:7071/p2p") == nil)
        #expect(PeerAddress.normalize("node-b") == nil)
        #expect(PeerAddress.normalize("node-b:0") == nil)
        #expect(PeerAddress.normalize("ws://node-b:7071/other") == nil)
    }

    @Test func theAuthSignatureCoversBothNoncesBothKeysAndTheGenesis() {
        let key = Ed25519.PrivateKey.generate()
        let genesis = [UInt8](repeating: 1, count: 32)
        let ours = [UInt8](repeating: 2, count: 32)
        let theirs = [UInt8](repeating: 3, count: 32)
        let ourKey = Ed25519.PrivateKey.generate().publicKey.rawRepresentation
        let raw = key.publicKey.rawRepresentation
        // The peer signs (genesis, our nonce, its nonce, our key, its key); we verify in that order.
        let signature = P2PHandshake.sign(key: key, genesisHash: genesis, peerNonce: ours, ownNonce: theirs, peerKey: ourKey)
        #expect(P2PHandshake.verify(signature: signature, peerKey: raw, genesisHash: genesis, ourNonce: ours, peerNonce: theirs, ourKey: ourKey))
        #expect(!P2PHandshake.verify(signature: signature, peerKey: raw, genesisHash: genesis, ourNonce: theirs, peerNonce: ours, ourKey: ourKey))
        #expect(!P2PHandshake.verify(
            signature: signature, peerKey: raw, genesisHash: [UInt8](repeating: 9, count: 32), ourNonce: ours, peerNonce: theirs, ourKey: ourKey))
        // Signed for another listener (a relay's key): useless to us.
        let elsewhere = Ed25519.PrivateKey.generate().publicKey.rawRepresentation
        #expect(!P2PHandshake.verify(signature: signature, peerKey: raw, genesisHash: genesis, ourNonce: ours, peerNonce: theirs, ourKey: elsewhere))
    }

    /// The attack a black-box review found against protocol 1: a relay reads A's nonce, offers it
    /// to B as its own, and hands B's auth signature to A while claiming B's key. B's signature
    /// now names the relay's key, so A refuses it and never takes the relay for B.
    @Test func aRelayedAuthSignatureDoesNotPassForItsSigner() async throws {
        let fixture = try P2PTestNode.fixture()
        let a = try await P2PTestNode.start(fixture, name: "a", authority: true, clock: IdleClock())
        let b = try await P2PTestNode.start(fixture, name: "b", authority: false, clock: IdleClock())
        let genesis = fixture.genesis
        let toA = try await RawP2PPeer(address: a.address)
        let toB = try await RawP2PPeer(address: b.address)
        // A speaks first: its nonce.
        let helloA = try #require(await toA.receive(type: "hello"))
        let nonceA = try Hex.decode(helloA["nonce"]?.stringValue ?? "", length: 32)
        // To B, A's nonce as ours: B signs over it.
        try toB.send(toB.hello(genesis, nonce: nonceA))
        let helloB = try #require(await toB.receive(type: "hello"))
        let nonceB = try Hex.decode(helloB["nonce"]?.stringValue ?? "", length: 32)
        let authB = try #require(await toB.receive(type: "auth"))
        let signatureB = try Hex.decode(authB["sig"]?.stringValue ?? "", length: 64)
        // To A, B's key and nonce, then B's signature.
        try toA.send(toA.hello(genesis, nodeKey: b.p2p.nodeKey.publicKey.rawRepresentation, nonce: nonceB))
        try toA.send(P2PMessage.auth(signature: signatureB).json)
        #expect(await toA.errorCode() == "bad_auth")
        let (_, peers) = try await a.get("/p2p/peers")
        #expect(peers["peers"]?.arrayValue?.contains { $0["connected"]?.boolValue == true } != true)
        await toA.close()
        await toB.close()
        await b.stop()
        await a.stop()
    }

}
