import FoundationEssentials
public import HTTP1

/// The one error type handlers throw to answer with a status and a JSON error body:
/// `{"error":{"code":"…","message":"…","details":{}}}` plus any extra top-level members.
public struct HTTPError: Error, Sendable, CustomStringConvertible {
    /// The response status.
    public var status: HTTPResponseStatus
    /// A stable machine-readable code, e.g. `JOB_NOT_FOUND`.
    public var code: String
    /// A human-readable message (never secrets).
    public var message: String
    /// Structured details, rendered as `{}` when `nil`.
    public var details: (any Encodable & Sendable)?
    /// Extra top-level members beside `error`, e.g. the coordinator's `"detail"`.
    public var extraMembers: [(String, any Encodable & Sendable)]
    /// Extra response headers, e.g. `Allow` for 405 or `WWW-Authenticate` for 401.
    public var headers: HTTPHeaders

    /// Builds an error; `code` defaults from the status (`NOT_FOUND`), `message` from the reason phrase.
    public init(
        _ status: HTTPResponseStatus, code: String? = nil, message: String? = nil,
        details: (any Encodable & Sendable)? = nil, extraMembers: [(String, any Encodable & Sendable)] = [],
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
        return Response(status: status, headers: headers, body: .bytes(plainBody ?? encodedBody))
    }

    /// The body through `JSONEncoder` with sorted keys: one byte-stable rendering for clients,
    /// tests and logs.
    var encodedBody: [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(ErrorBody(error: self))).map { Array($0) } ?? Self.fallbackBody
    }

    /// The same bytes as `encodedBody`, written directly, for the common error: no `details`,
    /// extra members that are strings, and every key and string plain printable ASCII that JSON
    /// does not escape (no `"`, `\`, `/`). `nil` otherwise (then `encodedBody`). Error answers
    /// are what a misbehaving or hostile client gets by the thousand (401, 404, 425, 429), so
    /// they should not cost a `JSONEncoder` each.
    var plainBody: [UInt8]? {
        guard details == nil, Self.isPlain(code), Self.isPlain(message) else { return nil }
        var members: [(String, String)] = []
        for (name, value) in extraMembers where name != "error" {
            guard let text = value as? String, Self.isPlain(name), Self.isPlain(text), !members.contains(where: { $0.0 == name })
            else { return nil }
            members.append((name, text))
        }
        members.append(("error", ""))
        members.sort { $0.0.utf8.lexicographicallyPrecedes($1.0.utf8) }
        var out: [UInt8] = [UInt8(ascii: "{")]
        for (index, (name, text)) in members.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            out.append(UInt8(ascii: "\""))
            out.append(contentsOf: name.utf8)
            out.append(contentsOf: #"":"#.utf8)
            if name == "error" {
                out.append(contentsOf: #"{"code":""#.utf8)
                out.append(contentsOf: code.utf8)
                out.append(contentsOf: #"","details":{},"message":""#.utf8)
                out.append(contentsOf: message.utf8)
                out.append(contentsOf: #""}"#.utf8)
            } else {
                out.append(UInt8(ascii: "\""))
                out.append(contentsOf: text.utf8)
                out.append(UInt8(ascii: "\""))
            }
        }
        out.append(UInt8(ascii: "}"))
        return out
    }

    /// Printable ASCII that a JSON encoder writes as is (`JSONEncoder` also escapes `/`).
    static func isPlain(_ text: String) -> Bool {
        text.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") && $0 != UInt8(ascii: "/") }
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

    static let fallbackBody = Array(#"{"error":{"code":"INTERNAL_SERVER_ERROR","details":{},"message":"Internal Server Error"}}"#.utf8)
}

/// The wire shape of an error body.
struct ErrorBody: Encodable {
    let error: HTTPError

    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ string: String) { stringValue = string }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    struct EmptyObject: Encodable {}

    func encode(to encoder: any Encoder) throws {
        var top = encoder.container(keyedBy: Key.self)
        var inner = top.nestedContainer(keyedBy: Key.self, forKey: Key("error"))
        try inner.encode(error.code, forKey: Key("code"))
        try inner.encode(error.message, forKey: Key("message"))
        if let details = error.details {
            try details.encode(to: inner.superEncoder(forKey: Key("details")))
        } else {
            try inner.encode(EmptyObject(), forKey: Key("details"))
        }
        for (name, value) in error.extraMembers where name != "error" {
            try value.encode(to: top.superEncoder(forKey: Key(name)))
        }
    }
}
