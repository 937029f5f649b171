/// An incremental, synchronous HTTP/1.1 request parser: bytes in, events out (RFC 9112).
///
/// Pure and I/O free: feed whatever a read returned (one byte, half a request or many
/// pipelined requests), then call `next()` until it returns `nil`. Any partial tail stays
/// buffered for the next `feed`. After an error the parser stays failed, because the
/// message framing is then unknown (RFC 9112 §6.3 ¶2).
public struct HTTPRequestParser: Sendable {
    /// The limits every request is checked against.
    public let limits: HTTPParserLimits

    var buffer: [UInt8] = []
    /// First unconsumed byte in `buffer`.
    var readIndex = 0
    /// Bytes after `readIndex` already scanned for the end of a head without finding it.
    var headScanned = 0
    /// Offset from `readIndex` of the request line's LF once seen, else -1.
    var firstLineFeed = -1
    var state: State = .head
    var failure: HTTPParserError?
    /// The chunked body in progress while `state` is `.chunked`.
    var chunked = ChunkedBodyDecoder()
    /// Trailer fields of the message about to end.
    var trailers = HTTPHeaders()

    enum State: Sendable, Equatable {
        case head
        case contentLength(remaining: Int)
        case chunked
        case messageEnd
    }

    /// A parser with the given limits.
    public init(limits: HTTPParserLimits = HTTPParserLimits()) {
        self.limits = limits
    }

    /// Appends received bytes.
    public mutating func feed(_ bytes: UnsafeRawBufferPointer) {
        // A failed parser keeps nothing: its framing is lost and the bytes would only pile up.
        guard failure == nil else { return }
        compact()
        buffer.append(contentsOf: bytes)
    }

    /// Appends received bytes.
    public mutating func feed<Bytes: Sequence<UInt8>>(_ bytes: Bytes) {
        guard failure == nil else { return }
        compact()
        buffer.append(contentsOf: bytes)
    }

    /// Whether the parser sits between messages with nothing buffered (an idle keep-alive connection).
    public var isIdle: Bool { state == .head && readIndex == buffer.count && failure == nil }

    /// Whether the parser is inside a request head.
    public var isReadingHead: Bool { state == .head }

    /// How many unconsumed bytes are buffered.
    public var bufferedByteCount: Int { buffer.count - readIndex }

    /// Removes and returns every unconsumed byte, e.g. the first bytes of an upgraded protocol.
    public mutating func takeBufferedBytes() -> [UInt8] {
        let rest = Array(buffer[readIndex...])
        buffer.removeAll(keepingCapacity: true)
        readIndex = 0
        headScanned = 0
        firstLineFeed = -1
        return rest
    }

    /// The next event, or `nil` when more bytes are needed.
    /// - Throws: `HTTPParserError` naming the first violation; the parser then stays failed.
    public mutating func next() throws(HTTPParserError) -> HTTPParserEvent? {
        if let failure { throw failure }
        do {
            return try step()
        } catch {
            failure = error
            throw error
        }
    }

    mutating func compact() { HTTPLineParsing.compact(&buffer, readIndex: &readIndex) }

    mutating func step() throws(HTTPParserError) -> HTTPParserEvent? {
        switch state {
        case .head:
            return try parseHeadIfComplete()
        case .contentLength(let remaining):
            let available = buffer.count - readIndex
            guard available > 0 else { return nil }
            let count = min(available, remaining)
            let part = Array(buffer[readIndex..<(readIndex + count)])
            readIndex += count
            state = remaining == count ? .messageEnd : .contentLength(remaining: remaining - count)
            return .body(part)
        case .messageEnd:
            state = .head
            let fields = trailers
            trailers = HTTPHeaders()
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
                return nil
            }
        }
    }

    /// Finds the end of the head and parses it once it is complete.
    mutating func parseHeadIfComplete() throws(HTTPParserError) -> HTTPParserEvent? {
        // RFC 9112 §2.2: a server SHOULD ignore at least one empty line before the request line.
        while buffer.count > readIndex, buffer[readIndex] == .cr {
            guard buffer.count - readIndex >= 2 else { return nil }
            guard buffer[readIndex + 1] == .lf else { break }
            readIndex += 2
            headScanned = 0
            firstLineFeed = -1
        }
        let start = readIndex
        var index = start + headScanned
        let end = buffer.count
        let lineLimit = limits.maxRequestLineLength
        let headLimit = limits.maxHeaderBytes
        var headEnd = -1
        // Every check depends only on the bytes up to `index`, so the outcome is the same
        // however the input is split across reads (the fuzz target asserts this).
        while index < end {
            if buffer[index] == .lf {
                // RFC 9112 §2.2: we accept CRLF only; a bare LF is refused rather than guessed at.
                guard index > start, buffer[index - 1] == .cr else { throw .invalidLineEnding }
                if firstLineFeed < 0 { firstLineFeed = index - start }
                if index - start >= 3, buffer[index - 2] == .lf, buffer[index - 3] == .cr {
                    headEnd = index + 1
                    break
                }
            }
            let length = index + 1 - start
            if firstLineFeed < 0, length > lineLimit + 1 { throw .uriTooLong(limit: lineLimit) }
            if length > headLimit {
                if firstLineFeed - 1 > lineLimit { throw .uriTooLong(limit: lineLimit) }
                throw .headersTooLarge(limit: headLimit)
            }
            index += 1
        }
        guard headEnd >= 0 else {
            headScanned = end - start
            return nil
        }
        guard headEnd - start <= headLimit else { throw .headersTooLarge(limit: headLimit) }
        let head = try parseHead(start: start, end: headEnd - 2)
        readIndex = headEnd
        headScanned = 0
        firstLineFeed = -1
        switch head.bodyFraming {
        case .none: state = .messageEnd
        case .contentLength(let length): state = length == 0 ? .messageEnd : .contentLength(remaining: length)
        case .chunked:
            chunked = ChunkedBodyDecoder()
            state = .chunked
        }
        return .head(head)
    }
}

extension UInt8 {
    static let cr = UInt8(ascii: "\r")
    static let lf = UInt8(ascii: "\n")
    static let space = UInt8(ascii: " ")
    static let tab = UInt8(ascii: "\t")
    static let colon = UInt8(ascii: ":")

    /// `tchar` (RFC 9110 §5.6.2).
    var isTokenCharacter: Bool {
        switch self {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"),
            UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."),
            UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
            true
        default: false
        }
    }

    /// `field-vchar` or SP/HTAB (RFC 9110 §5.5); obs-text is allowed, other controls are not.
    var isFieldValueCharacter: Bool { self == .tab || (self >= 0x20 && self != 0x7F) }
}
