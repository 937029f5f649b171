import Cryptography
import HTTP1
import HTTPServer
import JSON
import ServiceRuntime
import Synchronization
import WireModels

/// The network's REST routes on the RPC port: `GET /p2p/peers`, `POST /admin/peers/add`
/// (admin token) and `GET /rpc/syncStatus`, plus the `/readyz` check "sync".
struct P2PRoutes: Sendable {
    let chain: Chain
    /// nil when `P2P_ENABLED` is false: no peers, never syncing.
    let node: P2PNode?
    let adminToken: [UInt8]?

    func install(on router: Router) {
        router.get("/p2p/peers") { _, _ in .json(peersView()) }
        router.get("/rpc/syncStatus") { _, _ in .json(syncStatus()) }
        router.post("/admin/peers/add") { request, _ in
            do {
                try authorize(request)
                let body = try ChainRoutes.body(request, maxBytes: 4 << 10, limit: "the limit of this route")
                guard case .object(let members) = body else {
                    throw ChainError.invalidRequest(WireDecodingError(field: "body", reason: "must be a JSON object"))
                }
                if let unknown = members.first(where: { $0.key != "address" }) {
                    throw ChainError.invalidRequest(WireDecodingError(field: "body", problem: .unknownMembers([unknown.key], known: ["address"], inDocument: true)))
                }
                guard let text = body["address"]?.stringValue, let address = PeerAddress.normalize(text) else {
                    throw ChainError.invalidRequest(WireDecodingError(field: "address", reason: "must be ws://host:port/p2p or host:port"))
                }
                guard let node else { throw ChainError.notFound(code: "P2P_DISABLED", message: "P2P is off (P2P_ENABLED)") }
                do {
                    try await node.add(address: address)
                } catch let error as P2PNode.PeerTableFull {
                    // 409, not 422: the request is well formed; the table's state refuses it.
                    let message = "the peer table is full: all \(error.cap) rows (MAX_KNOWN_PEERS) are bootstrap, admin-added or connected peers"
                    throw HTTPError(
                        HTTPResponseStatus(code: 409), code: "PEER_TABLE_FULL", message: message, details: .object([]),
                        extraMembers: [("detail", .string(message))])
                } catch {
                    throw ChainError.storage("\(error)")
                }
                return Response(
                    status: .accepted, headers: ["Content-Type": "application/json"],
                    body: .bytes(Self.serialize(.object([
                        JSONMember(key: "address", value: .string(address)), JSONMember(key: "status", value: .string("dialing")),
                    ]))))
            } catch let error as ChainError {
                throw ChainRoutes.httpError(error)
            }
        }
    }

    /// `/readyz` "sync": failing while syncing (best peer head > head + 2), and for a follower
    /// that has peers configured but none connected; an authority with no peers is ready.
    func readinessProblem() -> String? {
        guard let node else { return nil }
        let head = chain.head.height
        if let best = node.bestPeerHead?.height, best > head + 2 { return "syncing: head \(head), best peer \(best)" }
        if !chain.isAuthority, node.connectedPeers.isEmpty, node.hasConfiguredPeers { return "no peer connected" }
        return nil
    }

    func peersView() -> JSONValue {
        guard let node else {
            return .object([JSONMember(key: "node_key", value: .null), JSONMember(key: "peers", value: .array([]))])
        }
        return .object([JSONMember(key: "node_key", value: .string(node.nodeKeyHex)), JSONMember(key: "peers", value: .array(node.peerRows()))])
    }

    func syncStatus() -> JSONValue {
        let head = chain.head.height
        let best = node?.bestPeerHead?.height
        let syncing = node?.syncState.withLock { $0.active } ?? false
        return .object([
            JSONMember(key: "head", value: .integer(JSONInteger(head))),
            JSONMember(key: "best_peer_head", value: best.map { .integer(JSONInteger($0)) } ?? .null),
            JSONMember(key: "syncing", value: .bool(syncing || (best ?? 0) > head + 2)),
            JSONMember(key: "peers", value: .integer(JSONInteger(node?.connectedPeers.count ?? 0))),
        ])
    }

    private func authorize(_ request: Request) throws(ChainError) {
        guard let adminToken, let header = request.headers["Authorization"], header.utf8.count > 7, header.prefix(7).lowercased() == "bearer "
        else { throw .unauthorized }
        guard ConstantTime.equals(Array(header.utf8.dropFirst(7)), adminToken) else { throw .unauthorized }
    }

    static func serialize(_ value: JSONValue) -> [UInt8] { (try? JSONSerializer().serialize(value)) ?? Array("{}".utf8) }
}

extension P2PNode {
    /// Whether this node has peers to expect: bootstrap peers or remembered ones.
    var hasConfiguredPeers: Bool {
        !settings.bootstrapPeers.isEmpty || state.withLock { state in state.records.values.contains { $0.address != nil } }
    }

    /// Most rows `/p2p/peers` lists.
    static let maxListedPeers = 1_000

    /// `/p2p/peers` rows: every remembered peer, connected or not — at most `maxListedPeers`
    /// (connected ones first, then the most recently seen), sorted by key.
    func peerRows() -> [JSONValue] {
        let (records, peers) = state.withLock { ($0.records, $0.peers) }
        var keys = Set(records.keys)
        keys.formUnion(peers.keys)
        let limit = min(Self.maxListedPeers, settings.maxKnownPeers)
        if keys.count > limit {
            let ranked = keys.sorted { left, right in
                let (leftConnected, rightConnected) = (peers[left] != nil, peers[right] != nil)
                if leftConnected != rightConnected { return leftConnected }
                let (leftSeen, rightSeen) = (records[left]?.lastSeenMilliseconds ?? 0, records[right]?.lastSeenMilliseconds ?? 0)
                return leftSeen != rightSeen ? leftSeen > rightSeen : left < right
            }
            keys = Set(ranked.prefix(limit))
        }
        return keys.sorted().map { key -> JSONValue in
            let record = records[key]
            let peer = peers[key]
            func time(_ milliseconds: UInt64?) -> JSONValue {
                guard let milliseconds, milliseconds > 0 else { return .null }
                return .string(RFC3339.format(milliseconds: Int64(clamping: milliseconds)))
            }
            let banned = record.map(\.bannedUntilMilliseconds).flatMap { $0 > clock.nowMilliseconds() ? $0 : nil }
            return .object([
                JSONMember(key: "node_key", value: key.hasPrefix("pending:") ? .null : .string(key)),
                JSONMember(key: "address", value: (peer?.dialAddress ?? peer?.remoteAddress ?? record?.address).map { .string($0) } ?? .null),
                JSONMember(key: "direction", value: .string((peer?.direction ?? record?.direction ?? .outbound).rawValue)),
                JSONMember(key: "connected", value: .bool(peer != nil)),
                JSONMember(key: "head_height", value: peer.map { .integer(JSONInteger($0.head.height)) } ?? .null),
                JSONMember(key: "score", value: .integer(JSONInteger(peer?.score ?? record?.score ?? 0))),
                JSONMember(key: "banned_until", value: time(banned)),
                JSONMember(key: "last_seen", value: time(peer?.lastSeenMilliseconds ?? record?.lastSeenMilliseconds)),
            ])
        }
    }
}
