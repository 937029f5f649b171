/// Writes response heads and chunked framing straight into one output buffer (RFC 9112 §4, §7.1).
public enum HTTPResponseSerializer {
    /// Appends a status line, the fields, the framing fields the server owns, and the blank line.
    ///
    /// - Parameters:
    ///   - contentLength: written as `Content-Length` when not `nil` and `chunked` is false.
    ///   - chunked: writes `Transfer-Encoding: chunked` (RFC 9112 §7.1).
    ///   - close: writes `Connection: close` (RFC 9112 §9.6).
    ///   - date: a preformatted IMF-fixdate for `Date` (RFC 9110 §6.6.1), omitted when `nil`.
    public static func writeHead(
        status: HTTPResponseStatus, version: HTTPVersion = .http1_1, headers: HTTPHeaders, contentLength: Int?,
        chunked: Bool = false, close: Bool = false, keepAliveForHTTP10: Bool = false, date: [UInt8]? = nil,
        into out: inout [UInt8]
    ) {
        out.append(contentsOf: version.minor == 0 ? http10Prefix : http11Prefix)
        appendDecimal(status.code, to: &out)
        out.append(.space)
        out.append(contentsOf: status.reasonPhrase.utf8)
        out.append(contentsOf: crlf)
        if let date {
            out.append(contentsOf: datePrefix)
            out.append(contentsOf: date)
            out.append(contentsOf: crlf)
        }
        for field in headers {
            out.append(contentsOf: field.name.utf8)
            out.append(contentsOf: colonSpace)
            out.append(contentsOf: field.value.utf8)
            out.append(contentsOf: crlf)
        }
        if chunked {
            out.append(contentsOf: chunkedField)
        } else if let contentLength {
            out.append(contentsOf: contentLengthPrefix)
            appendDecimal(contentLength, to: &out)
            out.append(contentsOf: crlf)
        }
        if close {
            out.append(contentsOf: connectionClose)
        } else if keepAliveForHTTP10 {
            out.append(contentsOf: connectionKeepAlive)
        }
        out.append(contentsOf: crlf)
    }

    /// Appends one chunk (`size-in-hex CRLF data CRLF`); an empty input writes nothing,
    /// because a zero-size chunk would end the body.
    public static func writeChunk<Bytes: Collection<UInt8>>(_ bytes: Bytes, into out: inout [UInt8]) {
        guard !bytes.isEmpty else { return }
        appendHex(bytes.count, to: &out)
        out.append(contentsOf: crlf)
        out.append(contentsOf: bytes)
        out.append(contentsOf: crlf)
    }

    /// Appends the last chunk and an empty trailer section (RFC 9112 §7.1).
    public static func writeLastChunk(into out: inout [UInt8]) {
        out.append(contentsOf: lastChunk)
    }

    /// The interim `100 Continue` response (RFC 9110 §15.2.1).
    public static let continueResponse: [UInt8] = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)

    static let http11Prefix: [UInt8] = Array("HTTP/1.1 ".utf8)
    static let http10Prefix: [UInt8] = Array("HTTP/1.0 ".utf8)
    static let crlf: [UInt8] = [.cr, .lf]
    static let colonSpace: [UInt8] = [.colon, .space]
    static let datePrefix: [UInt8] = Array("Date: ".utf8)
    static let contentLengthPrefix: [UInt8] = Array("Content-Length: ".utf8)
    static let chunkedField: [UInt8] = Array("Transfer-Encoding: chunked\r\n".utf8)
    static let connectionClose: [UInt8] = Array("Connection: close\r\n".utf8)
    static let connectionKeepAlive: [UInt8] = Array("Connection: keep-alive\r\n".utf8)
    static let lastChunk: [UInt8] = Array("0\r\n\r\n".utf8)

    static func appendDecimal(_ value: Int, to out: inout [UInt8]) {
        guard value > 0 else {
            out.append(UInt8(ascii: "0"))
            return
        }
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        var rest = value
        withUnsafeMutableBytes(of: &digits) { raw in
            while rest > 0, count < raw.count {
                raw[count] = UInt8(truncatingIfNeeded: rest % 10) + UInt8(ascii: "0")
                rest /= 10
                count += 1
            }
            while count > 0 {
                count -= 1
                out.append(raw[count])
            }
        }
    }

    static func appendHex(_ value: Int, to out: inout [UInt8]) {
        let hex: [UInt8] = Array("0123456789abcdef".utf8)
        var shift = (Int.bitWidth - 4)
        var started = false
        while shift >= 0 {
            let nibble = (value >> shift) & 0xF
            if nibble != 0 || started || shift == 0 {
                out.append(hex[nibble])
                started = true
            }
            shift -= 4
        }
    }
}
