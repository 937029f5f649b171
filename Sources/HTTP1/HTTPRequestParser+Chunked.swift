extension HTTPRequestParser {
    /// Index of the next LF at or after `from`, looking at most `limit` bytes ahead; -1 when absent.
    func lineFeed(from: Int, limit: Int) -> Int {
        let end = min(buffer.count, from + limit)
        var index = from
        while index < end {
            if buffer[index] == .lf { return index }
            index += 1
        }
        return -1
    }

    /// Parses `chunk-size [ chunk-ext ] CRLF` (RFC 9112 §7.1); false when the line is incomplete.
    mutating func parseChunkSize() throws(HTTPParserError) -> Bool {
        let lf = lineFeed(from: readIndex, limit: Self.maxChunkLineLength)
        guard lf >= 0 else {
            if buffer.count - readIndex >= Self.maxChunkLineLength { throw .invalidChunk }
            return false
        }
        guard lf > readIndex, buffer[lf - 1] == .cr else { throw .invalidChunk }
        var index = readIndex
        var size = 0
        while index < lf - 1, let digit = Self.hexValue(buffer[index]) {
            let (times, overflow1) = size.multipliedReportingOverflow(by: 16)
            let (sum, overflow2) = times.addingReportingOverflow(digit)
            guard !overflow1, !overflow2 else { throw .invalidChunk }
            size = sum
            index += 1
        }
        guard index > readIndex else { throw .invalidChunk }
        // chunk-ext = *( BWS ";" BWS ext-name [ BWS "=" BWS ext-val ] ); ignored, but no control bytes.
        while index < lf - 1, buffer[index] == .space || buffer[index] == .tab { index += 1 }
        if index < lf - 1 {
            guard buffer[index] == UInt8(ascii: ";") else { throw .invalidChunk }
            while index < lf - 1 {
                guard buffer[index].isFieldValueCharacter else { throw .invalidChunk }
                index += 1
            }
        }
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

    static func hexValue(_ byte: UInt8) -> Int? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): Int(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): Int(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): Int(byte - UInt8(ascii: "A") + 10)
        default: nil
        }
    }
}
