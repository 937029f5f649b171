extension HTTPRequestParser {
    /// Index of the next LF at or after `from`, looking at most `limit` bytes ahead; -1 when absent.
    func lineFeed(from: Int, limit: Int) -> Int { HTTPLineParsing.lineFeed(buffer, from: from, limit: limit) }

    /// Parses `chunk-size [ chunk-ext ] CRLF` (RFC 9112 §7.1); false when the line is incomplete.
    mutating func parseChunkSize() throws(HTTPParserError) -> Bool {
        let lf = lineFeed(from: readIndex, limit: Self.maxChunkLineLength)
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
        let (total, overflow) = chunkedBodySize.addingReportingOverflow(size)
        guard !overflow, total <= limits.maxBodySize else { throw .bodyTooLarge(limit: limits.maxBodySize) }
        chunkedBodySize = total
        state = .chunkData(remaining: size)
        return true
    }

    /// Parses trailer field lines up to the empty line (RFC 9112 §7.1.2); false when more bytes are needed.
    mutating func parseTrailerLines() throws(HTTPParserError) -> Bool {
        while true {
            let room = limits.maxHeaderBytes - trailerBytes
            let lf = lineFeed(from: readIndex, limit: room + 2)
            guard lf >= 0 else {
                if buffer.count - readIndex > room + 1 { throw .headersTooLarge(limit: limits.maxHeaderBytes) }
                return false
            }
            guard lf > readIndex, buffer[lf - 1] == .cr else { throw .invalidLineEnding }
            if lf - 1 == readIndex {
                readIndex = lf + 1
                state = .messageEnd
                return true
            }
            guard trailers.count < limits.maxHeaderCount else { throw .tooManyHeaders(limit: limits.maxHeaderCount) }
            let field = try parseField(start: readIndex, end: lf - 1)
            trailers.fields.append(field)
            trailerBytes += lf + 1 - readIndex
            readIndex = lf + 1
        }
    }
}
