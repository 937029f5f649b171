extension HTTPRequestParser {
    /// Parses a complete head: `buffer[start..<end]` holds the request line and field lines, each ending CRLF.
    func parseHead(start: Int, end: Int) throws(HTTPParserError) -> HTTPRequestHead {
        // Request line (RFC 9112 §3): method SP request-target SP HTTP-version CRLF, single spaces only.
        var lineEnd = start
        while lineEnd < end, buffer[lineEnd] != .cr { lineEnd += 1 }
        // The head ends CRLF CRLF, so `lineEnd + 1` is in bounds; a bare CR is not a line end.
        guard buffer[lineEnd + 1] == .lf else { throw .invalidLineEnding }
        guard lineEnd - start <= limits.maxRequestLineLength else { throw .uriTooLong(limit: limits.maxRequestLineLength) }
        var index = start
        while index < lineEnd, buffer[index] != .space {
            guard buffer[index].isTokenCharacter else { throw .invalidMethod }
            index += 1
        }
        guard index > start, index < lineEnd else { throw .invalidRequestLine }
        let method = HTTPMethod(rawValue: String(decoding: buffer[start..<index], as: UTF8.self))
        index += 1
        let targetStart = index
        while index < lineEnd, buffer[index] != .space {
            // RFC 9112 §3.2: no whitespace or control bytes in the target.
            guard buffer[index] > 0x20, buffer[index] != 0x7F else { throw .invalidTarget }
            index += 1
        }
        guard index > targetStart else { throw .invalidTarget }
        guard index < lineEnd else { throw .invalidRequestLine }
        let target = String(decoding: buffer[targetStart..<index], as: UTF8.self)
        index += 1
        let version = try parseVersion(from: index, to: lineEnd)
        guard HTTPMethod.known.contains(method) else { throw .unknownMethod(method.rawValue) }

        var headers = HTTPHeaders()
        headers.fields.reserveCapacity(8)
        var framing = FramingFields()
        var lineStart = lineEnd + 2
        while lineStart < end {
            guard headers.count < limits.maxHeaderCount else { throw .tooManyHeaders(limit: limits.maxHeaderCount) }
            var next = lineStart
            while next < end, buffer[next] != .cr { next += 1 }
            guard buffer[next + 1] == .lf else { throw .invalidHeaderValue }
            let field = try parseField(start: lineStart, end: next)
            framing.note(field)
            headers.fields.append(field)
            lineStart = next + 2
        }
        return try framing.makeHead(method: method, target: target, version: version, headers: headers, limits: limits)
    }

    /// `HTTP/` DIGIT `.` DIGIT, nothing after it (RFC 9112 §2.3).
    func parseVersion(from start: Int, to end: Int) throws(HTTPParserError) -> HTTPVersion {
        let prefix = HTTPVersion.namePrefix
        guard end - start == 8 else {
            // `HTTP/10.0` is well-formed but not ours (505); anything else is malformed (400).
            if end - start > 5, buffer[start..<(start + 5)].elementsEqual(prefix),
                buffer[(start + 5)..<end].allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || $0 == UInt8(ascii: ".") })
            {
                throw .unsupportedVersion
            }
            throw .invalidRequestLine
        }
        guard buffer[start..<(start + 5)].elementsEqual(prefix), buffer[start + 6] == UInt8(ascii: ".") else {
            throw .invalidRequestLine
        }
        let major = buffer[start + 5]
        let minor = buffer[start + 7]
        guard (0x30...0x39).contains(major), (0x30...0x39).contains(minor) else { throw .invalidRequestLine }
        // RFC 9112 §2.3: a 1.x message with a higher minor version is handled as our highest 1.x.
        guard major == UInt8(ascii: "1") else { throw .unsupportedVersion }
        return HTTPVersion(major: 1, minor: Int(minor - 0x30))
    }

    /// One field line `name ":" OWS value OWS` (RFC 9112 §5).
    func parseField(start: Int, end: Int) throws(HTTPParserError) -> HTTPHeaders.Field {
        try HTTPLineParsing.parseField(buffer, start: start, end: end)
    }
}

/// The framing-relevant fields gathered while parsing, checked once the head is complete.
struct FramingFields {
    var contentLengths: [String] = []
    var transferEncodings: [String] = []
    var hostCount = 0
    var expectations: [String] = []

    mutating func note(_ field: HTTPHeaders.Field) {
        switch field.name.utf8.count {
        case 4 where HTTPHeaders.equalsIgnoringCase(field.name, "Host"): hostCount += 1
        case 6 where HTTPHeaders.equalsIgnoringCase(field.name, "Expect"): expectations.append(field.value)
        case 14 where HTTPHeaders.equalsIgnoringCase(field.name, "Content-Length"): contentLengths.append(field.value)
        case 17 where HTTPHeaders.equalsIgnoringCase(field.name, "Transfer-Encoding"):
            transferEncodings.append(field.value)
        default: break
        }
    }

    func makeHead(
        method: HTTPMethod, target: String, version: HTTPVersion, headers: HTTPHeaders, limits: HTTPParserLimits
    ) throws(HTTPParserError) -> HTTPRequestHead {
        let isHTTP11 = version.minor >= 1
        // RFC 9112 §3.2 ¶6: 400 for HTTP/1.1 without Host, and for any request with several.
        if hostCount > 1 || (isHTTP11 && hostCount == 0) { throw .missingOrDuplicateHost }
        var framing = HTTPBodyFraming.none
        if !transferEncodings.isEmpty {
            // RFC 9112 §6.1 ¶15 / §6.3 ¶3: both present is a smuggling attempt; refuse, don't pick one.
            guard contentLengths.isEmpty else { throw .contentLengthWithTransferEncoding }
            // RFC 9112 §6.1 ¶17: Transfer-Encoding in an HTTP/1.0 request means faulty framing.
            guard isHTTP11 else { throw .invalidTransferEncoding }
            framing = try Self.chunkedFraming(transferEncodings)
        } else if !contentLengths.isEmpty {
            let length = try Self.contentLength(contentLengths)
            // Refused from the head alone, before a single body byte is read.
            guard length <= limits.maxBodySize else { throw .bodyTooLarge(limit: limits.maxBodySize) }
            framing = .contentLength(length)
        }
        var expectsContinue = false
        for expectation in expectations {
            guard HTTPHeaders.equalsIgnoringCase(expectation, "100-continue") else { throw .unsupportedExpectation }
            // RFC 9110 §10.1.1: a 100-continue expectation in HTTP/1.0 is ignored.
            expectsContinue = isHTTP11
        }
        return HTTPRequestHead(
            method: method, target: target, version: version, headers: headers, keepAlive: nil,
            expectsContinue: expectsContinue, bodyFraming: framing)
    }

    /// RFC 9112 §6.1: chunked must be the final coding, once; other codings are not implemented (501).
    static func chunkedFraming(_ values: [String]) throws(HTTPParserError) -> HTTPBodyFraming {
        var codings: [Substring] = []
        for value in values {
            for part in value.split(separator: ",", omittingEmptySubsequences: false) {
                let coding = part.trimmingHTTPWhitespace()
                guard !coding.isEmpty else { throw .invalidTransferEncoding }
                codings.append(coding)
            }
        }
        guard let last = codings.last, HTTPHeaders.equalsIgnoringCase(last, "chunked") else {
            throw .invalidTransferEncoding
        }
        for coding in codings.dropLast() {
            if HTTPHeaders.equalsIgnoringCase(coding, "chunked") { throw .invalidTransferEncoding }
            throw .unsupportedTransferEncoding(String(coding))
        }
        return .chunked
    }

    /// RFC 9112 §6.3 ¶5 / RFC 9110 §8.6: 1*DIGIT; a list of identical values is one value, differing ones are fatal.
    static func contentLength(_ values: [String]) throws(HTTPParserError) -> Int {
        var result: Int?
        for value in values {
            for part in value.split(separator: ",", omittingEmptySubsequences: false) {
                let digits = part.trimmingHTTPWhitespace()
                guard !digits.isEmpty else { throw .invalidContentLength }
                var number = 0
                for byte in digits.utf8 {
                    guard byte >= 0x30, byte <= 0x39 else { throw .invalidContentLength }
                    let (times, overflow1) = number.multipliedReportingOverflow(by: 10)
                    let (sum, overflow2) = times.addingReportingOverflow(Int(byte - 0x30))
                    guard !overflow1, !overflow2 else { throw .invalidContentLength }
                    number = sum
                }
                if let result, result != number { throw .invalidContentLength }
                result = number
            }
        }
        guard let result else { throw .invalidContentLength }
        return result
    }
}
