public import HTTP1
public import JSON

/// The one error type handlers throw to answer with a status and a JSON error body:
/// `{"error":{"code":"…","details":{},"message":"…"}}` plus any extra top-level members.
public struct HTTPError: Error, Sendable, CustomStringConvertible {
    /// The response status.
    public var status: HTTPResponseStatus
    /// A stable machine-readable code, e.g. `JOB_NOT_FOUND`.
    public var code: String
    /// A human-readable message (never secrets).
    public var message: String
    /// Structured details, rendered as `{}` when `nil`.
    public var details: JSONValue?
    /// Extra top-level members beside `error`, e.g. the coordinator's `"detail"`. A member named
    /// `error`, or one whose name came before, is left out: the body has each key once.
    public var extraMembers: [(String, JSONValue)]
    /// Extra response headers, e.g. `Allow` for 405 or `WWW-Authenticate` for 401.
    public var headers: HTTPHeaders

    /// Builds an error; `code` defaults from the status (`NOT_FOUND`), `message` from the reason phrase.
    public init(
        _ status: HTTPResponseStatus, code: String? = nil, message: String? = nil,
        details: JSONValue? = nil, extraMembers: [(String, JSONValue)] = [],
        headers: HTTPHeaders = HTTPHeaders()
    ) {
        self.status = status
        self.code = code ?? Self.defaultCode(for: status)
        self.message = message ?? status.reasonPhrase
        self.details = details
        self.extraMembers = extraMembers
        self.headers = headers
    }

    /// `status code: message`.
    public var description: String { "\(status.code) \(code): \(message)" }

    /// The JSON response for this error.
    public var response: Response {
        var headers = headers
        headers.replaceOrAdd(name: "Content-Type", value: "application/json")
        return Response(status: status, headers: headers, body: .bytes(body))
    }

    /// The body as a JSON value: `error` and the extra members (each name once, `error` ours).
    public var json: JSONValue {
        var members: [JSONMember] = []
        members.reserveCapacity(extraMembers.count + 1)
        members.append(
            JSONMember(
                key: "error",
                value: .object([
                    JSONMember(key: "code", value: .string(code)),
                    JSONMember(key: "details", value: details ?? .object([])),
                    JSONMember(key: "message", value: .string(message)),
                ])))
        for (name, value) in extraMembers where !members.contains(where: { $0.key.hasSameUTF8(as: name) }) {
            members.append(JSONMember(key: name, value: value))
        }
        return .object(members)
    }

    /// The body bytes: `json` with keys sorted at every level, the order clients, tests and
    /// the documentation have always seen (`{"detail":…,"error":{"code","details","message"}}`).
    /// Error answers are what a misbehaving or hostile client gets by the thousand (401, 404,
    /// 429), so this is the one renderer and it is kept cheap (docs/benchmarks.md, error bodies).
    public var body: [UInt8] {
        (try? JSONSerializer(options: .sortedKeys).serialize(json)) ?? Self.fallbackBody
    }

    /// `NOT_FOUND` from "Not Found".
    static func defaultCode(for status: HTTPResponseStatus) -> String {
        let reason = HTTPResponseStatus(code: status.code).reasonPhrase
        var code = ""
        for scalar in reason.unicodeScalars {
            if scalar == " " || scalar == "-" { code.append("_") } else if scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) {
                code.append(String(scalar).uppercased())
            }
        }
        return code
    }

    /// What a body with a non-finite float in `details` becomes (JSON cannot express one).
    static let fallbackBody = Array(#"{"error":{"code":"INTERNAL_SERVER_ERROR","details":{},"message":"Internal Server Error"}}"#.utf8)
}
