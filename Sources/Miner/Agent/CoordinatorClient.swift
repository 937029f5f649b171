import Cryptography
import HTTP1
public import HTTPClient
public import JSON

/// The miner's side of the coordinator's miner API (spec/coordinator.md "Miner"):
/// register, heartbeat, poll, result and fail, each a JSON POST under the base URL.
///
/// Every request carries the API key as `X-Api-Key` (what the coordinator checks) and as
/// `Authorization: Bearer` (spec/miner.md §2), plus `X-Miner-ID`. The key is only ever put
/// in headers; nothing here logs or describes it. Calls never throw: every failure is a
/// `CoordinatorReply` the loop decides on.
public struct CoordinatorClient: Sendable {
    /// Largest response body parsed (a job payload; the coordinator caps bodies well below this).
    public static let maxResponseBytes = 16 * 1024 * 1024

    private let baseURL: String
    private let headers: HTTPHeaders
    private let http: HTTPClient
    private let bodySecret: [UInt8]?

    /// A client for `baseURL` (including `/v1`) over `http`.
    /// - Parameter hmacSecret: the coordinator's `HMAC_SECRET`, when it requires signed bodies:
    ///   every POST then carries `X-Signature` = hex HMAC-SHA256 of its exact body bytes.
    public init(baseURL: String, authToken: String, nodeID: String, http: HTTPClient, hmacSecret: String? = nil) {
        self.baseURL = baseURL
        self.http = http
        bodySecret = hmacSecret.map { Array($0.utf8) }
        headers = [
            "X-Api-Key": authToken, "Authorization": "Bearer \(authToken)", "X-Miner-ID": nodeID,
            "Content-Type": "application/json", "Accept": "application/json",
        ]
    }

    /// The HTTP client a miner needs: read timeout covers the long-poll wait on top of `timeout`.
    public static func makeHTTPClient(timeout: Duration, pollMaxWaitSeconds: Int) -> HTTPClient {
        HTTPClient(
            configuration: HTTPClientConfiguration(
                connectTimeout: min(timeout, .seconds(5)), readTimeout: timeout + .seconds(pollMaxWaitSeconds),
                maxConnectionsPerHost: 32, maxResponseBodySize: maxResponseBytes,
                defaultHeaders: ["User-Agent": "aitbc-miner/1"]))
    }

    /// `POST /miners/register` with `{capabilities, concurrency, region?, public_key?}`.
    public func register(capabilities: JSONValue, concurrency: Int, region: String?, publicKeyHex: String?) async -> CoordinatorReply {
        var members: [JSONMember] = [
            JSONMember(key: "capabilities", value: capabilities),
            JSONMember(key: "concurrency", value: .integer(JSONInteger(concurrency))),
        ]
        if let region { members.append(JSONMember(key: "region", value: .string(region))) }
        if let publicKeyHex { members.append(JSONMember(key: "public_key", value: .string(publicKeyHex))) }
        return await post("/miners/register", .object(members))
    }

    /// `POST /miners/heartbeat` with `{inflight, status, metadata}`.
    /// `jobs`: every job the miner still holds (running or with an undelivered report), so the
    /// coordinator can requeue assignments this miner never received; nil leaves it out.
    public func heartbeat(inflight: Int, draining: Bool, metadata: JSONValue, jobs: [String]? = nil) async -> CoordinatorReply {
        var body: [JSONMember] = [
            JSONMember(key: "inflight", value: .integer(JSONInteger(inflight))),
            JSONMember(key: "status", value: .string(draining ? "DRAINING" : "ONLINE")),
            JSONMember(key: "metadata", value: metadata),
        ]
        if let jobs { body.append(JSONMember(key: "jobs", value: .array(jobs.map { .string($0) }))) }
        return await post("/miners/heartbeat", .object(body))
    }

    /// `POST /miners/poll` with `{max_wait_seconds}`: `.ok(job)` or `.noContent`.
    public func poll(maxWaitSeconds: Int) async -> CoordinatorReply {
        await post("/miners/poll", ["max_wait_seconds": .integer(JSONInteger(maxWaitSeconds))])
    }

    /// `POST /miners/drain` (`{}`): the coordinator marks this miner DRAINING, so a long-poll it
    /// still holds for us is never answered with a job; running jobs may still report.
    public func drain() async -> CoordinatorReply {
        await post("/miners/drain", .object([]))
    }

    /// `POST /miners/{job_id}/result` or `/fail` with the report's body exactly as persisted.
    public func submit(jobID: String, report: PendingReport) async -> CoordinatorReply {
        await post("/miners/\(Self.pathSegment(jobID))/\(report.kind.rawValue)", report.body)
    }

    /// An operator-facing sentence for a failed `POST <path>` that names the coordinator URL:
    /// "coordinator http://127.0.0.1:8011/v1 unreachable: connection refused (errno 111)". A 404
    /// from register (a route every coordinator has) hints at a base URL missing `/v1`.
    public func explain(_ reply: CoordinatorReply, path: String) -> String {
        switch reply {
        case .unreachable(let reason):
            return "coordinator \(baseURL) unreachable: \(reason)"
        case .rejected(let status, let code, let message):
            var text = "coordinator \(baseURL) answered \(status) to POST \(baseURL)\(path)"
            if let code { text += " (\(code))" }
            if let message { text += ": \(message)" }
            if status == 404, path == "/miners/register" {
                text +=
                    baseURL.hasSuffix("/v1")
                    ? "; is coordinator.base_url an AITBC coordinator?"
                    : "; coordinator.base_url must include /v1, e.g. http://127.0.0.1:8011/v1"
            }
            return text
        case .ok, .noContent:
            return "coordinator \(baseURL) answered \(reply.label)"
        }
    }

    /// `text` as one path segment (RFC 3986 §3.3): anything but unreserved characters is
    /// percent-encoded, so a hostile job id like `../x` cannot change the request target.
    static func pathSegment(_ text: String) -> String {
        // `.` is unreserved, but a segment of only dots is a dot-segment (§5.2.4).
        let encodeDots = text.utf8.allSatisfy { $0 == UInt8(ascii: ".") }
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            case UInt8(ascii: ".") where !encodeDots:
                out += "."
            default:
                let hex = String(byte, radix: 16, uppercase: true)
                out += "%" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return out
    }

    private func post(_ path: String, _ body: JSONValue) async -> CoordinatorReply {
        let bytes: [UInt8]
        do {
            bytes = try JSONSerializer().serialize(body)
        } catch {
            return .unreachable("request encoding failed: \(error)")
        }
        var headers = self.headers
        if let bodySecret {
            headers.add(name: "X-Signature", value: Hex.encode(HMACSHA256.authenticationCode(key: bodySecret, message: bytes)))
        }
        let response: HTTPClientResponse
        do {
            response = try await http.execute(HTTPClientRequest(method: .post, url: baseURL + path, headers: headers, body: bytes))
        } catch {
            return .unreachable(error.description)
        }
        let status = Int(response.status.code)
        let parsed = response.body.isEmpty ? nil : try? JSONParser(limits: .init(maxInputBytes: Self.maxResponseBytes)).parse(response.body)
        switch status {
        case 204: return .noContent
        case 200..<300: return .ok(parsed)
        default: return .rejection(status: status, body: parsed)
        }
    }
}
