/// Line-level grammar shared by the request and response parsers, so both apply the same
/// strictness to field lines (RFC 9112 §5) and chunk-size lines (RFC 9112 §7.1).
enum HTTPLineParsing {
    /// Drops consumed bytes before new input is appended: all of them when everything was read,
    /// otherwise only once at least 4 KiB and half the buffer are consumed, so pipelined input
    /// is not shifted on every read.
    static func compact(_ buffer: inout [UInt8], readIndex: inout Int) {
        if readIndex == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            readIndex = 0
        } else if readIndex >= 4096, readIndex * 2 >= buffer.count {
            buffer.removeSubrange(0..<readIndex)
            readIndex = 0
        }
    }

    /// One field line `name ":" OWS value OWS` in `buffer[start..<end]` (CRLF excluded).
    static func parseField(_ buffer: [UInt8], start: Int, end: Int) throws(HTTPParserError) -> HTTPHeaders.Field {
        guard start < end else { throw .invalidHeaderName }
        // RFC 9112 §5.2: obs-fold is rejected with 400.
        if buffer[start] == .space || buffer[start] == .tab { throw .obsoleteLineFolding }
        var index = start
        while index < end, buffer[index] != .colon {
            // RFC 9112 §5.1: no whitespace between name and colon; names are tokens.
            guard buffer[index].isTokenCharacter else { throw .invalidHeaderName }
            index += 1
        }
        guard index > start, index < end else { throw .invalidHeaderName }
        let name = String(decoding: buffer[start..<index], as: UTF8.self)
        index += 1
        while index < end, buffer[index] == .space || buffer[index] == .tab { index += 1 }
        let valueStart = index
        var valueEnd = index
        while index < end {
            let byte = buffer[index]
            guard byte.isFieldValueCharacter else { throw .invalidHeaderValue }
            index += 1
            if byte != .space && byte != .tab { valueEnd = index }
        }
        return HTTPHeaders.Field(name: name, value: String(decoding: buffer[valueStart..<valueEnd], as: UTF8.self))
    }

    /// The size on a `chunk-size [ chunk-ext ] CRLF` line in `buffer[start...lineFeed]` (RFC 9112 §7.1).
    static func parseChunkSize(_ buffer: [UInt8], start: Int, lineFeed lf: Int) throws(HTTPParserError) -> Int {
        guard lf > start, buffer[lf - 1] == .cr else { throw .invalidChunk }
        var index = start
        var size = 0
        while index < lf - 1, let digit = hexValue(buffer[index]) {
            let (times, overflow1) = size.multipliedReportingOverflow(by: 16)
            let (sum, overflow2) = times.addingReportingOverflow(digit)
            guard !overflow1, !overflow2 else { throw .invalidChunk }
            size = sum
            index += 1
        }
        guard index > start else { throw .invalidChunk }
        // chunk-ext = *( BWS ";" BWS ext-name [ BWS "=" BWS ext-val ] ); ignored, but no control bytes.
        while index < lf - 1, buffer[index] == .space || buffer[index] == .tab { index += 1 }
        if index < lf - 1 {
            guard buffer[index] == UInt8(ascii: ";") else { throw .invalidChunk }
            while index < lf - 1 {
                guard buffer[index].isFieldValueCharacter else { throw .invalidChunk }
                index += 1
            }
        }
        return size
    }

    /// Index of the next LF in `buffer[from..<min(count, from + limit)]`; -1 when absent.
    static func lineFeed(_ buffer: [UInt8], from: Int, limit: Int) -> Int {
        let end = min(buffer.count, from &+ limit)
        var index = from
        while index < end {
            if buffer[index] == .lf { return index }
            index += 1
        }
        return -1
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
