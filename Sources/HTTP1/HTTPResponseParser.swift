/// An incremental, synchronous HTTP/1.1 response parser: bytes in, events out (RFC 9112).
///
/// Pure and I/O free, like `HTTPRequestParser`: feed whatever a read returned, then call
/// `next()` until it returns `nil`. Whether a response has a body depends on the request it
/// answers (RFC 9112 §6.3 ¶2: none for HEAD), so call `expectResponse(to:)` once per request
/// sent, in order. Call `finish()` when the stream ends: a close-delimited body then ends, and a
/// response cut short throws `.unexpectedEndOfStream`. After an error the parser stays failed.
///
/// Limits come from `HTTPParserLimits`: `maxRequestLineLength` bounds the status line,
/// `maxHeaderBytes`/`maxHeaderCount` the header section (and trailers), `maxBodySize` the body.
public struct HTTPResponseParser: Sendable {
    /// The limits every response is checked against.
    public let limits: HTTPParserLimits

    var buffer: [UInt8] = []
    var readIndex = 0
    /// Bytes after `readIndex` already scanned for the end of a head without finding it.
    var headScanned = 0
    /// Whether the status line's LF was seen in the head being scanned.
    var statusLineEnded = false
    var state: State = .head
    var failure: HTTPParserError?
    var ended = false
    /// Methods of the requests whose responses are still due, oldest first.
    var pendingMethods: [HTTPMethod] = []
    /// Bytes of a close-delimited body so far.
    var bodySize = 0
    /// The chunked body in progress while `state` is `.chunked`.
    var chunked = ChunkedBodyDecoder()
    /// Trailer fields of the message about to end.
    var trailers = HTTPHeaders()
    /// Whether the message in progress is an interim (1xx) response.
    var interim = false

    enum State: Sendable, Equatable {
        case head
        case contentLength(remaining: Int)
        case chunked
        case untilClose
        case messageEnd
        /// After `101 Switching Protocols`: the remaining bytes belong to the new protocol.
        case upgraded
    }

    /// A parser with the given limits.
    public init(limits: HTTPParserLimits = HTTPParserLimits()) {
        self.limits = limits
    }

    /// Records that a request with `method` was sent; its response is parsed in this order.
    public mutating func expectResponse(to method: HTTPMethod) {
        pendingMethods.append(method)
    }

    /// Appends received bytes.
    public mutating func feed<Bytes: Sequence<UInt8>>(_ bytes: Bytes) {
        compact()
        buffer.append(contentsOf: bytes)
    }

    /// Marks the end of the stream (the peer closed its side).
    public mutating func finish() { ended = true }

    /// Whether the parser sits between responses with nothing buffered.
    public var isIdle: Bool { state == .head && readIndex == buffer.count && failure == nil }

    /// Whether a `101 Switching Protocols` response ended HTTP on this stream.
    public var isUpgraded: Bool { state == .upgraded }

    /// How many unconsumed bytes are buffered.
    public var bufferedByteCount: Int { buffer.count - readIndex }

    /// Removes and returns every unconsumed byte, e.g. the first bytes of the upgraded protocol.
    public mutating func takeBufferedBytes() -> [UInt8] {
        let rest = Array(buffer[readIndex...])
        buffer.removeAll(keepingCapacity: false)
        readIndex = 0
        headScanned = 0
        statusLineEnded = false
        return rest
    }

    /// The next event, or `nil` when more bytes are needed.
    /// - Throws: `HTTPParserError` naming the first violation; the parser then stays failed.
    public mutating func next() throws(HTTPParserError) -> HTTPResponseParserEvent? {
        if let failure { throw failure }
        do {
            return try step()
        } catch {
            failure = error
            throw error
        }
    }

    mutating func compact() { HTTPLineParsing.compact(&buffer, readIndex: &readIndex) }

    mutating func takeBody(upTo remaining: Int) -> [UInt8]? {
        let available = buffer.count - readIndex
        guard available > 0 else { return nil }
        let count = min(available, remaining)
        let part = Array(buffer[readIndex..<(readIndex + count)])
        readIndex += count
        return part
    }

    mutating func step() throws(HTTPParserError) -> HTTPResponseParserEvent? {
        switch state {
        case .upgraded:
            return nil
        case .head:
            if let event = try parseHeadIfComplete() { return event }
            // A close between responses is orderly; one inside a head is not.
            if ended, buffer.count > readIndex { throw .unexpectedEndOfStream }
            return nil
        case .contentLength(let remaining):
            guard let part = takeBody(upTo: remaining) else {
                if ended { throw .unexpectedEndOfStream }
                return nil
            }
            state = remaining == part.count ? .messageEnd : .contentLength(remaining: remaining - part.count)
            return .body(part)
        case .untilClose:
            guard let part = takeBody(upTo: Int.max) else {
                guard ended else { return nil }
                state = .messageEnd
                return try step()
            }
            let (total, overflow) = bodySize.addingReportingOverflow(part.count)
            guard !overflow, total <= limits.maxBodySize else { throw .bodyTooLarge(limit: limits.maxBodySize) }
            bodySize = total
            return .body(part)
        case .messageEnd:
            let fields = trailers
            trailers = HTTPHeaders()
            if interim {
                interim = false
                state = .head
            } else {
                state = .head
                if !pendingMethods.isEmpty { pendingMethods.removeFirst() }
            }
            return .end(trailers: fields)
        case .chunked:
            switch try chunked.next(buffer, readIndex: &readIndex, limits: limits) {
            case .body(let part):
                return .body(part)
            case .end(let fields):
                trailers = fields
                state = .messageEnd
                return try step()
            case .needMoreBytes:
                if ended { throw .unexpectedEndOfStream }
                return nil
            }
        }
    }

    /// Finds the end of the head and parses it once it is complete.
    mutating func parseHeadIfComplete() throws(HTTPParserError) -> HTTPResponseParserEvent? {
        let start = readIndex
        var index = start + headScanned
        let end = buffer.count
        let lineLimit = limits.maxRequestLineLength
        let headLimit = limits.maxHeaderBytes
        var headEnd = -1
        var sawLineFeed = statusLineEnded
        while index < end {
            if buffer[index] == .lf {
                // RFC 9112 §2.2: CRLF only; a bare LF is refused rather than guessed at.
                guard index > start, buffer[index - 1] == .cr else { throw .invalidLineEnding }
                sawLineFeed = true
                if index - start >= 3, buffer[index - 2] == .lf, buffer[index - 3] == .cr {
                    headEnd = index + 1
                    break
                }
            }
            let length = index + 1 - start
            if !sawLineFeed, length > lineLimit + 1 { throw .invalidStatusLine }
            if length > headLimit { throw .headersTooLarge(limit: headLimit) }
            index += 1
        }
        guard headEnd >= 0 else {
            headScanned = end - start
            statusLineEnded = sawLineFeed
            return nil
        }
        statusLineEnded = false
        var head = try parseHead(start: start, end: headEnd - 2)
        readIndex = headEnd
        headScanned = 0
        bodySize = 0
        let code = head.status.code
        if code == 101 {
            // RFC 9110 §15.2.2: the connection switches right after this response's empty line.
            head.keepAlive = false
            interim = false
            state = .upgraded
            pendingMethods.removeAll()
            return .head(head)
        }
        // RFC 9110 §15.2: 1xx responses are interim; the final response to the same request follows.
        interim = code < 200
        switch head.bodyFraming {
        case .none: state = .messageEnd
        case .contentLength(let length): state = length == 0 ? .messageEnd : .contentLength(remaining: length)
        case .chunked:
            chunked = ChunkedBodyDecoder()
            state = .chunked
        case .untilClose: state = .untilClose
        }
        return .head(head)
    }

    /// Parses a complete head: `buffer[start..<end]` holds the status line and field lines, each ending CRLF.
    func parseHead(start: Int, end: Int) throws(HTTPParserError) -> HTTPResponseHead {
        var lineEnd = start
        while lineEnd < end, buffer[lineEnd] != .cr { lineEnd += 1 }
        guard buffer[lineEnd + 1] == .lf else { throw .invalidLineEnding }
        guard lineEnd - start <= limits.maxRequestLineLength else { throw .invalidStatusLine }
        let (version, status) = try parseStatusLine(start: start, end: lineEnd)
        var headers = HTTPHeaders()
        var contentLengths: [String] = []
        var transferEncodings: [String] = []
        var lineStart = lineEnd + 2
        while lineStart < end {
            guard headers.count < limits.maxHeaderCount else { throw .tooManyHeaders(limit: limits.maxHeaderCount) }
            var next = lineStart
            while next < end, buffer[next] != .cr { next += 1 }
            guard buffer[next + 1] == .lf else { throw .invalidHeaderValue }
            let field = try HTTPLineParsing.parseField(buffer, start: lineStart, end: next)
            if HTTPHeaders.equalsIgnoringCase(field.name, "Content-Length") { contentLengths.append(field.value) }
            if HTTPHeaders.equalsIgnoringCase(field.name, "Transfer-Encoding") { transferEncodings.append(field.value) }
            headers.fields.append(field)
            lineStart = next + 2
        }
        // Framing conflicts are refused whatever the status: a response we cannot delimit
        // unambiguously would desynchronise every later response on the connection.
        var framing = HTTPResponseBodyFraming.untilClose
        if !transferEncodings.isEmpty {
            // RFC 9112 §6.1 ¶15 / §6.3 ¶3: both present is a smuggling signature; refuse, don't pick one.
            guard contentLengths.isEmpty else { throw .contentLengthWithTransferEncoding }
            // RFC 9112 §6.1 ¶17: Transfer-Encoding in an HTTP/1.0 message means faulty framing.
            guard version.minor >= 1 else { throw .invalidTransferEncoding }
            _ = try FramingFields.chunkedFraming(transferEncodings)
            framing = .chunked
        } else if !contentLengths.isEmpty {
            let length = try FramingFields.contentLength(contentLengths)
            framing = length == 0 ? .none : .contentLength(length)
        }
        // RFC 9112 §6.3 ¶2: HEAD responses, 1xx, 204 and 304 end with the header section.
        let method = pendingMethods.first ?? .get
        if method == .head || !status.mayHaveBody { framing = .none }
        if case .contentLength(let length) = framing, length > limits.maxBodySize {
            throw .bodyTooLarge(limit: limits.maxBodySize)
        }
        var keepAlive = HTTPRequestHead.defaultKeepAlive(version: version, headers: headers)
        if framing == .untilClose { keepAlive = false }
        return HTTPResponseHead(version: version, status: status, headers: headers, keepAlive: keepAlive, bodyFraming: framing)
    }

    /// `HTTP-version SP 3DIGIT SP [ reason-phrase ]` (RFC 9112 §4); a missing SP after the code is tolerated.
    func parseStatusLine(start: Int, end: Int) throws(HTTPParserError) -> (HTTPVersion, HTTPResponseStatus) {
        let prefix = HTTPVersion.namePrefix
        guard end - start >= 12, buffer[start..<(start + 5)].elementsEqual(prefix), buffer[start + 6] == UInt8(ascii: "."),
            buffer[start + 8] == .space
        else { throw .invalidStatusLine }
        let major = buffer[start + 5]
        let minor = buffer[start + 7]
        guard (0x30...0x39).contains(major), (0x30...0x39).contains(minor) else { throw .invalidStatusLine }
        guard major == UInt8(ascii: "1") else { throw .unsupportedVersion }
        var code = 0
        for index in (start + 9)..<(start + 12) {
            let digit = buffer[index]
            guard (0x30...0x39).contains(digit) else { throw .invalidStatusLine }
            code = code * 10 + Int(digit - 0x30)
        }
        guard code >= 100 else { throw .invalidStatusLine }
        var reason = ""
        if end > start + 12 {
            guard buffer[start + 12] == .space else { throw .invalidStatusLine }
            // reason-phrase = 1*( HTAB / SP / VCHAR / obs-text )
            for index in (start + 13)..<end where !buffer[index].isFieldValueCharacter { throw .invalidStatusLine }
            reason = String(decoding: buffer[(start + 13)..<end], as: UTF8.self)
        }
        return (HTTPVersion(major: 1, minor: Int(minor - 0x30)), HTTPResponseStatus(code: code, reasonPhrase: reason))
    }
}
