import Cryptography

/// Why a handshake was refused; `rawValue` is the `p2p_handshake_failures_total{reason}` label
/// and the `error` frame's code.
enum HandshakeRefusal: String, Error, Sendable, CaseIterable {
    case protocolVersion = "protocol"
    case otherChain = "chain_id"
    case otherGenesis = "genesis"
    case badAuth = "bad_auth"
    case selfConnection = "self"
    case duplicate = "duplicate"
    case banned = "banned"
    case tooManyPeers = "too_many_peers"
    case timeout = "timeout"
    case malformed = "malformed"
    case closed = "closed"

    var message: String {
        switch self {
        case .protocolVersion: "protocol version \(P2PHello.protocolVersion) is required"
        case .otherChain: "another chain_id"
        case .otherGenesis: "another genesis block"
        case .badAuth: "the auth signature does not verify"
        case .selfConnection: "connected to itself"
        case .duplicate: "this node key is already connected"
        case .banned: "this node key is banned"
        case .tooManyPeers: "MAX_PEERS reached"
        case .timeout: "the handshake did not finish in time"
        case .malformed: "expected hello then auth"
        case .closed: "the connection closed during the handshake"
        }
    }
}

/// The hello/auth rules, kept free of I/O so each refusal can be tested on its own.
///
/// Each side proves it holds the node key it announced by signing both nonces and both node keys
/// under the genesis hash: `Ed25519(node key, "AITBC-P2P-AUTH" 0x02 ‖ genesis hash ‖ peer's nonce
/// ‖ own nonce ‖ peer's node key ‖ own node key)`. The peer's fresh nonce makes the signature
/// useless on any other connection (no replay), and the genesis hash on any other chain. The
/// keys close the relay: without them a man in the middle could hand node B the nonce A sent
/// it, have B sign it, and pass B's signature to A as its own auth — A would then take the
/// relay for B, and a bad block sent "as B" would get the honest B banned. With them, B's
/// signature names the key B was talking to (the relay's), which A refuses.
enum P2PHandshake {
    static let authMagic: [UInt8] = Array("AITBC-P2P-AUTH".utf8) + [0x02]

    /// What this node expects of a peer's hello.
    struct Local: Sendable {
        var chainID: String
        var genesisHash: [UInt8]
        var nodeKey: [UInt8]
    }

    /// The first refusal `hello` earns, or nil.
    static func check(_ hello: P2PHello, local: Local) -> HandshakeRefusal? {
        guard hello.protocolVersion == P2PHello.protocolVersion else { return .protocolVersion }
        guard hello.chainID == local.chainID else { return .otherChain }
        guard hello.genesisHash == local.genesisHash else { return .otherGenesis }
        guard hello.nodeKey != local.nodeKey else { return .selfConnection }
        return nil
    }

    /// The bytes a node signs: `magic ‖ genesis ‖ peer's nonce ‖ own nonce ‖ peer's key ‖ own key`.
    static func authPayload(genesisHash: [UInt8], peerNonce: [UInt8], ownNonce: [UInt8], peerKey: [UInt8], ownKey: [UInt8]) -> [UInt8] {
        authMagic + genesisHash + peerNonce + ownNonce + peerKey + ownKey
    }

    /// Our `auth` signature for a peer whose hello carried `peerNonce` and `peerKey`.
    static func sign(key: Ed25519.PrivateKey, genesisHash: [UInt8], peerNonce: [UInt8], ownNonce: [UInt8], peerKey: [UInt8]) -> [UInt8] {
        key.signature(
            for: authPayload(genesisHash: genesisHash, peerNonce: peerNonce, ownNonce: ownNonce, peerKey: peerKey, ownKey: key.publicKey.rawRepresentation))
    }

    /// Whether the peer's `auth` signature is its node key's over our nonce then its own, our
    /// key then its own.
    static func verify(
        signature: [UInt8], peerKey: [UInt8], genesisHash: [UInt8], ourNonce: [UInt8], peerNonce: [UInt8], ourKey: [UInt8]
    ) -> Bool {
        guard let key = try? Ed25519.PublicKey(rawRepresentation: peerKey) else { return false }
        return key.isValidSignature(
            signature, for: authPayload(genesisHash: genesisHash, peerNonce: ourNonce, ownNonce: peerNonce, peerKey: ourKey, ownKey: peerKey))
    }
}
