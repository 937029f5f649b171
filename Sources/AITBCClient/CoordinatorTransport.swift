import Cryptography
public import HTTP1
public import HTTPClient
public import JSON
import WireModels

/// One request to the coordinator, relative to the configuration's `apiRoot`.
public struct CoordinatorRequest: Sendable {
    /// The method.
    public var method: HTTPMethod
    /// The path below `apiRoot` (`/jobs`), path segments already encoded (`PathSegment.encode`).
    public var path: String
    /// Query parameters, encoded on the way out; order kept.
    public var query: [(name: String, value: String)]
    /// The exact body bytes (sent, signed and retried as they are); nil sends none.
    public var body: [UInt8]?
    /// Headers on top of the configuration's.
    public var headers: HTTPHeaders
    /// Whether the retry rules may repeat it (false for `POST /v1/jobs` without `Idempotency-Key`).
    public var isRetryable: Bool
    /// Added to the configuration's `timeout` for this request (a long-poll's wait).
    public var extraTime: Duration

    /// A request; a body is sent as `application/json`.
    public init(
        method: HTTPMethod, path: String, query: [(name: String, value: String)] = [], body: [UInt8]? = nil,
        headers: HTTPHeaders = HTTPHeaders(), isRetryable: Bool = true, extraTime: Duration = .zero
    ) {
        self.method = method
        self.path = path
        self.query = query
        self.body = body
        self.headers = headers
        self.isRetryable = isRetryable
        self.extraTime = extraTime
    }
}

/// A 2xx answer.
public struct CoordinatorResponse: Sendable {
    /// The status (200, 201, 204…).
    public var status: Int
    /// The response headers.
    public var headers: HTTPHeaders
    /// The body exactly as received.
    public var body: [UInt8]

    /// Creates a response.
    public init(status: Int, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The body parsed by the project's strict JSON parser (order, integers and big numbers kept).
    /// - Throws: `AITBCError` `.invalidResponse` when it is not JSON.
    public func json() throws(AITBCError) -> JSONValue {
        do {
            return try JSONParser(limits: .init(maxInputBytes: max(body.count, 1))).parse(body)
        } catch {
            throw .invalidResponse("response is not JSON: \(error)", status: status, body: body)
        }
    }

    /// The body as `Message`, or `.invalidResponse` naming the field that broke: how every
    /// client (coordinator, chain, wallet) reads a documented answer.
    func message<Message: WireMessage>(_ type: Message.Type) throws(AITBCError) -> Message {
        let value = try json()
        do {
            return try Message(json: value)
        } catch {
            throw .invalidResponse("\(Message.self): \(error)", status: status, body: body)
        }
    }
}

/// The connection to one coordinator, shared by `JobsClient`, `MinerClient` and `AdminClient`:
/// our `HTTPClient` (keep-alive pool, connect timeout), the API key and body signature on every
/// request, the per-attempt timeout, and the retry rules of `RetryPolicy`.
public final class CoordinatorTransport: Sendable {
    /// The configuration given at creation.
    public let configuration: AITBCConfiguration
    /// The HTTP client requests go through.
    public let http: HTTPClient
    private let ownsHTTP: Bool
    /// The headers every request carries (Accept, the key, extra headers), built once here
    /// instead of per request; `baseHeaderProblem` names one holding a line break.
    private let baseHeaders: HTTPHeaders
    private let baseHeaderProblem: String?

    /// A transport; `http` lets several transports share one pool (the transport then never
    /// shuts it down). Without it the transport makes its own.
    public init(configuration: AITBCConfiguration, http: HTTPClient? = nil) {
        self.configuration = configuration
        var headers = HTTPHeaders()
        headers.add(name: "Accept", value: "application/json")
        if let key = configuration.apiKey {
            headers.add(name: "X-Api-Key", value: key)
            if configuration.sendsBearer { headers.add(name: "Authorization", value: "Bearer \(key)") }
        }
        for (name, value) in configuration.extraHeaders.sorted(by: { $0.key < $1.key }) { headers.replaceOrAdd(name: name, value: value) }
        baseHeaders = headers
        baseHeaderProblem = Self.lineBreakField(in: headers)
        if let http {
            self.http = http
            ownsHTTP = false
        } else {
            // The per-attempt limit is enforced here (a long-poll needs more than `timeout`), so the
            // client's own read timeout is only a backstop past the longest poll (60 s + 5 s).
            self.http = HTTPClient(
                configuration: HTTPClientConfiguration(
                    connectTimeout: min(configuration.connectTimeout, configuration.timeout),
                    readTimeout: configuration.timeout + .seconds(70), maxConnectionsPerHost: 32,
                    maxResponseBodySize: configuration.maxResponseBytes,
                    defaultHeaders: ["User-Agent": "aitbc-swift-sdk/1"]))
            ownsHTTP = true
        }
    }

    /// Closes idle connections (of the transport's own HTTP client); later calls fail.
    public func shutdown() async {
        if ownsHTTP { await http.shutdown() }
    }

    /// Sends `request`, retrying per `RetryPolicy` up to `maxRetries` times; a 2xx answer is
    /// returned, anything else thrown.
    /// - Throws: `AITBCError` — `.rejected` for a non-2xx answer (the last one, after retries),
    ///   `.unreachable` for no answer, `.cancelled` when the task is cancelled.
    public func send(_ request: CoordinatorRequest) async throws(AITBCError) -> CoordinatorResponse {
        let prepared = try prepare(request)
        let limit = configuration.timeout + request.extraTime
        var attempt = 1
        while true {
            if Task.isCancelled { throw .cancelled }
            let retryAfter: String?
            let failure: AITBCError
            switch await Self.withDeadline(limit, { () async throws(HTTPClientError) in try await self.http.execute(prepared) }) {
            case .success(let response):
                let status = Int(response.status.code)
                if (200..<300).contains(status) {
                    return CoordinatorResponse(status: status, headers: response.headers, body: response.body)
                }
                failure = .rejection(status: status, body: response.body)
                guard request.isRetryable, RetryPolicy.retries(status: status, isGET: request.method == .get) else { throw failure }
                retryAfter = response.headers["Retry-After"]
            case .failure(let error):
                if error == .cancelled, Task.isCancelled { throw .cancelled }
                failure = .unreachable(error)
                // A bad URL or header is not a transport failure: repeating it cannot help.
                switch error {
                case .invalidURL, .invalidRequest, .shutdown: throw failure
                default: break
                }
                guard request.isRetryable else { throw failure }
                retryAfter = nil
            }
            guard attempt <= configuration.maxRetries else { throw failure }
            let delay = RetryPolicy.delay(
                afterAttempt: attempt, retryAfter: retryAfter, base: configuration.backoffBase, cap: configuration.backoffMax,
                now: configuration.now(), jitter: configuration.jitter())
            do {
                try await configuration.sleep(delay)
            } catch {
                throw .cancelled
            }
            attempt += 1
        }
    }

    /// The HTTP request: URL, the key, JSON headers, `X-Signature` on POSTs.
    func prepare(_ request: CoordinatorRequest) throws(AITBCError) -> HTTPClientRequest {
        var url = configuration.apiRoot + request.path
        if !request.query.isEmpty {
            url += "?" + request.query.map { PathSegment.encode($0.name) + "=" + PathSegment.encode($0.value) }.joined(separator: "&")
        }
        if let name = baseHeaderProblem ?? Self.lineBreakField(in: request.headers) {
            throw .invalidRequest("header \(name) holds a line break")
        }
        var headers = baseHeaders
        for field in request.headers { headers.replaceOrAdd(name: field.name, value: field.value) }
        let body = request.body ?? []
        if request.body != nil, !headers.contains("Content-Type") { headers.add(name: "Content-Type", value: "application/json") }
        if request.method == .post, let secret = configuration.bodySecret {
            headers.replaceOrAdd(name: "X-Signature", value: Hex.encode(HMACSHA256.authenticationCode(key: secret, message: body)))
        }
        return HTTPClientRequest(method: request.method, url: url, headers: headers, body: body)
    }

    /// The name of the first field whose value holds CR, LF or NUL (a header it would split).
    static func lineBreakField(in headers: HTTPHeaders) -> String? {
        headers.first { field in field.value.utf8.contains { $0 == 0x0D || $0 == 0x0A || $0 == 0 } }?.name
    }

    /// Runs `operation` for at most `limit`: past it the operation is cancelled (our HTTP client
    /// then aborts its connection) and `.readTimeout` is the result.
    static func withDeadline<T: Sendable>(
        _ limit: Duration, _ operation: @escaping @Sendable () async throws(HTTPClientError) -> T
    ) async -> Result<T, HTTPClientError> {
        await withTaskGroup(of: Result<T, HTTPClientError>?.self) { group in
            group.addTask {
                do throws(HTTPClientError) {
                    return .success(try await operation())
                } catch {
                    return .failure(error)
                }
            }
            group.addTask {
                do {
                    try await Task.sleep(for: limit)
                } catch {
                    return nil
                }
                return .failure(.readTimeout)
            }
            for await outcome in group {
                if let outcome {
                    group.cancelAll()
                    return outcome
                }
            }
            return .failure(.cancelled)
        }
    }
}

/// Percent-encoding of one path segment or query component (RFC 3986 §3.3).
public enum PathSegment {
    /// `text` with anything but unreserved characters percent-encoded, so a hostile id like
    /// `../x` cannot change the request target; a segment of only dots (a dot-segment,
    /// §5.2.4) has its dots encoded too.
    public static func encode(_ text: String) -> String {
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
}
