/// Decodes the chunked transfer coding (RFC 9112 §7.1) for both the request and the response
/// parser, so the two apply exactly the same grammar and limits to chunk lines, chunk data
/// and trailers.
///
/// It owns no bytes: each call reads the parser's buffer from `readIndex` and advances it past
/// what it consumed. It keeps the chunk state, the decoded body size (checked against
/// `maxBodySize`) and the trailer section (checked against `maxHeaderBytes`/`maxHeaderCount`).
struct ChunkedBodyDecoder: Sendable {
    enum State: Sendable, Equatable {
        /// Expecting `chunk-size [ chunk-ext ] CRLF`.
        case chunkSize
        case chunkData(remaining: Int)
        /// Expecting the CRLF that closes a chunk's data.
        case chunkDataEnd
        /// After the last chunk: trailer field lines up to the empty line (RFC 9112 §7.1.2).
        case trailers
    }

    /// What one call to `next` produced.
    enum Event: Sendable {
        /// Decoded body bytes.
        case body([UInt8])
        /// The message body ended, with these trailer fields; the decoder is spent.
        case end(trailers: HTTPHeaders)
        /// The buffer holds no further complete element.
        case needMoreBytes
    }

    /// Longest chunk-size line we accept, extensions included; chunk extensions carry no meaning here.
    static let maxChunkLineLength = 4096

    var state: State = .chunkSize
    /// Sum of the chunk sizes announced so far.
    var bodySize = 0
    var trailers = HTTPHeaders()
    /// Bytes of trailer field lines so far, CRLFs included.
    var trailerBytes = 0

    /// Decodes from `buffer[readIndex...]`, advancing `readIndex` past what it consumed.
    mutating func next(
        _ buffer: [UInt8], readIndex: inout Int, limits: HTTPParserLimits
    ) throws(HTTPParserError) -> Event {
        while true {
            switch state {
            case .chunkSize:
                guard try parseChunkSize(buffer, readIndex: &readIndex, limits: limits) else { return .needMoreBytes }
            case .chunkData(let remaining):
                let available = buffer.count - readIndex
                guard available > 0 else { return .needMoreBytes }
                let count = min(available, remaining)
                let part = Array(buffer[readIndex..<(readIndex + count)])
                readIndex += count
                state = remaining == count ? .chunkDataEnd : .chunkData(remaining: remaining - count)
                return .body(part)
            case .chunkDataEnd:
                guard buffer.count - readIndex >= 2 else { return .needMoreBytes }
                // RFC 9112 §7.1: chunk-data is followed by exactly CRLF.
                guard buffer[readIndex] == .cr, buffer[readIndex + 1] == .lf else { throw .invalidChunk }
                readIndex += 2
                state = .chunkSize
            case .trailers:
                guard try parseTrailerLines(buffer, readIndex: &readIndex, limits: limits) else { return .needMoreBytes }
                let fields = trailers
                trailers = HTTPHeaders()
                return .end(trailers: fields)
            }
        }
    }

    /// Parses `chunk-size [ chunk-ext ] CRLF` (RFC 9112 §7.1); false when the line is incomplete.
    mutating func parseChunkSize(
        _ buffer: [UInt8], readIndex: inout Int, limits: HTTPParserLimits
    ) throws(HTTPParserError) -> Bool {
        let lf = HTTPLineParsing.lineFeed(buffer, from: readIndex, limit: Self.maxChunkLineLength)
        guard lf >= 0 else {
            if buffer.count - readIndex >= Self.maxChunkLineLength { throw .invalidChunk }
            return false
        }
        let size = try HTTPLineParsing.parseChunkSize(buffer, start: readIndex, lineFeed: lf)
        readIndex = lf + 1
        if size == 0 {
            trailerBytes = 0
            state = .trailers
            return true
        }
        let (total, overflow) = bodySize.addingReportingOverflow(size)
        guard !overflow, total <= limits.maxBodySize else { throw .bodyTooLarge(limit: limits.maxBodySize) }
        bodySize = total
        state = .chunkData(remaining: size)
        return true
    }

    /// Parses trailer field lines up to the empty line (RFC 9112 §7.1.2); false when more bytes are needed.
    mutating func parseTrailerLines(
        _ buffer: [UInt8], readIndex: inout Int, limits: HTTPParserLimits
    ) throws(HTTPParserError) -> Bool {
        while true {
            let room = limits.maxHeaderBytes - trailerBytes
            let lf = HTTPLineParsing.lineFeed(buffer, from: readIndex, limit: room + 2)
            guard lf >= 0 else {
                if buffer.count - readIndex > room + 1 { throw .headersTooLarge(limit: limits.maxHeaderBytes) }
                return false
            }
            guard lf > readIndex, buffer[lf - 1] == .cr else { throw .invalidLineEnding }
            if lf - 1 == readIndex {
                readIndex = lf + 1
                return true
            }
            guard trailers.count < limits.maxHeaderCount else { throw .tooManyHeaders(limit: limits.maxHeaderCount) }
            let field = try HTTPLineParsing.parseField(buffer, start: readIndex, end: lf - 1)
            trailers.fields.append(field)
            trailerBytes += lf + 1 - readIndex
            readIndex = lf + 1
        }
    }
}
