public import HTTP1

/// A request to send: method, absolute `http://` URL, headers and a body held in memory.
public struct HTTPClientRequest: Sendable {
    /// The method.
    public var method: HTTPMethod
    /// `http://host[:port]/path?query`; host is an IPv4/IPv6 literal (IPv6 in brackets) or `localhost`.
    public var url: String
    /// Request headers; `Host`, `Content-Length` and the configuration's default headers are added.
    public var headers: HTTPHeaders
    /// The body, sent with `Content-Length`.
    public var body: [UInt8]

    /// Builds a request.
    public init(method: HTTPMethod = .get, url: String, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = []) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }

    /// RFC 9110 §9.2.2: methods whose repetition has the same effect as one request.
    public var isIdempotent: Bool {
        [HTTPMethod.get, .head, .put, .delete, .options, .trace].contains(method)
    }

    /// Serializes the head and body.
    /// - Throws: `.invalidRequest` when a header would break framing.
    func serialize(url: HTTPClientURL, defaults: HTTPHeaders) throws(HTTPClientError) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256 + body.count)
        out.append(contentsOf: method.rawValue.utf8)
        out.append(UInt8(ascii: " "))
        out.append(contentsOf: url.target.utf8)
        out.append(contentsOf: " HTTP/1.1\r\n".utf8)
        var fields = HTTPHeaders()
        if !headers.contains("Host") { fields.add(name: "Host", value: url.hostHeader) }
        for field in defaults where !headers.contains(field.name) { fields.add(name: field.name, value: field.value) }
        for field in headers where !HTTPClientRequest.isFramingField(field.name) { fields.add(name: field.name, value: field.value) }
        // RFC 9110 §8.6: a body (or a method that expects one) is announced with its length; we never send chunked.
        if !body.isEmpty || method == .post || method == .put || method == .patch {
            fields.add(name: "Content-Length", value: String(body.count))
        }
        for field in fields {
            guard !field.name.isEmpty, field.name.utf8.allSatisfy(HTTPClientRequest.isTokenByte) else {
                throw .invalidRequest("header name \(field.name.debugDescription)")
            }
            // Header injection: CR/LF or other controls in a value would start a new field or message.
            guard field.value.utf8.allSatisfy({ $0 == 0x09 || ($0 >= 0x20 && $0 != 0x7F) }) else {
                throw .invalidRequest("header value for \(field.name)")
            }
            out.append(contentsOf: field.name.utf8)
            out.append(contentsOf: ": ".utf8)
            out.append(contentsOf: field.value.utf8)
            out.append(contentsOf: "\r\n".utf8)
        }
        out.append(contentsOf: "\r\n".utf8)
        out.append(contentsOf: body)
        return out
    }

    /// The client owns message framing; callers cannot set these.
    static func isFramingField(_ name: String) -> Bool {
        HTTPHeaders.equalsIgnoringCase(name, "content-length") || HTTPHeaders.equalsIgnoringCase(name, "transfer-encoding")
    }

    static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        // RFC 9110 §5.6.2 tchar, without building a set per byte.
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"), UInt8(ascii: "'"),
            UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "^"), UInt8(ascii: "_"),
            UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
            true
        default: false
        }
    }
}
