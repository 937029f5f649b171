import HTTP1
public import HTTPClient
public import JSON

/// The explorer's chain reads, served from the chain node's RPC at `CHAIN_RPC_URL`
/// (spec/coordinator.md §6 "Explorer-facing", spec/chain-node.md RPC table).
///
/// Blocks are assembled from `GET /rpc/head` and `GET /rpc/blocks/{height}`, newest first. The
/// chain RPC has no listing of transactions or addresses, so those reads answer 502 with a
/// message saying so. Every failure to reach the node, or an answer that is not the
/// documented JSON, is a 502 `CHAIN_UNAVAILABLE`; the URL is never echoed (it may carry
/// credentials).
public struct ChainReader: Sendable {
    /// Most blocks one page may hold: each block is one RPC round trip.
    public static let maxBlocksPerPage = 50

    let baseURL: String
    let client: HTTPClient

    /// A reader of the node at `baseURL` (`http://host:port`, a trailing `/` is ignored).
    public init(baseURL: String, client: HTTPClient) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.client = client
    }

    /// One page of blocks, newest first: `{"items":[{height,hash,timestamp,txCount,proposer}],"next_offset"}`.
    /// - Throws: `CoordinatorError.invalidPayload` for bad bounds, `ChainReader.Failure` when the node fails.
    public func blocks(limit: Int, offset: Int) async throws -> JSONValue {
        guard (1...Self.maxBlocksPerPage).contains(limit) else {
            throw CoordinatorError.invalidPayload("limit: must be an integer in 1...\(Self.maxBlocksPerPage)")
        }
        guard (0...1_000_000_000).contains(offset) else { throw CoordinatorError.invalidPayload("offset: must be an integer >= 0") }
        guard let head = try await fetch("/rpc/head") else {
            return .object([JSONMember(key: "items", value: .array([])), JSONMember(key: "next_offset", value: .null)])
        }
        guard let height = head["height"]?.int64Value else { throw Failure.malformed }
        var items: [JSONValue] = []
        var current = height - Int64(offset)
        while current >= 0, items.count < limit {
            guard let block = try await fetch("/rpc/blocks/\(current)") else { break }
            items.append(
                .object([
                    JSONMember(key: "height", value: block["height"] ?? .integer(JSONInteger(Int(current)))),
                    JSONMember(key: "hash", value: block["hash"] ?? .null),
                    JSONMember(key: "timestamp", value: block["timestamp"] ?? .null),
                    JSONMember(key: "txCount", value: block["tx_count"] ?? .integer(JSONInteger(0))),
                    JSONMember(key: "proposer", value: block["proposer"] ?? block["proposer_id"] ?? .string("")),
                ]))
            current -= 1
        }
        let next: JSONValue = current >= 0 ? .integer(JSONInteger(offset + items.count)) : .null
        return .object([JSONMember(key: "items", value: .array(items)), JSONMember(key: "next_offset", value: next)])
    }

    /// Why the chain could not answer.
    public enum Failure: Error, CustomStringConvertible {
        /// The node could not be reached or timed out.
        case unreachable(String)
        /// It answered with an unexpected status.
        case status(Int)
        /// It answered something that is not the documented JSON.
        case malformed

        /// For the 502 message; never the URL.
        public var description: String {
            switch self {
            case .unreachable(let reason): "chain node unreachable (\(reason))"
            case .status(let code): "chain node answered \(code)"
            case .malformed: "chain node answered malformed JSON"
            }
        }
    }

    /// GETs `path`: the JSON body on 200, nil on 404.
    func fetch(_ path: String) async throws(Failure) -> JSONValue? {
        let response: HTTPClientResponse
        do {
            response = try await client.get(baseURL + path)
        } catch {
            throw .unreachable("\(error)")
        }
        if response.status.code == 404 { return nil }
        guard response.status.code == 200 else { throw .status(response.status.code) }
        do {
            return try JSONParser(limits: .init(maxInputBytes: 1 << 20, maxDepth: 32)).parse(response.body)
        } catch {
            throw .malformed
        }
    }
}
