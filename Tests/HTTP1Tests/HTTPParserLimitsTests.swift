import HTTP1
import TestSupport
import Testing

/// Each limit answers with its own status.
@Suite struct HTTPParserLimitsTests {
    @Test func uriTooLongIsRejectedWith414() {
        let limits = HTTPParserLimits(maxRequestLineLength: 64)
        let long = "GET /" + String(repeating: "a", count: 100) + " HTTP/1.1\r\nHost: a\r\n\r\n"
        #expect(parse(long, limits: limits).error == .uriTooLong(limit: 64))
        // Refused before the line is even complete.
        let partial = "GET /" + String(repeating: "a", count: 100)
        #expect(parse(partial, limits: limits).error == .uriTooLong(limit: 64))
        #expect(HTTPParserError.uriTooLong(limit: 1).status.code == 414)
    }

    @Test func headersTooLargeIsRejectedWith431() {
        let limits = HTTPParserLimits(maxHeaderBytes: 256)
        let big = "GET / HTTP/1.1\r\nHost: a\r\nX: " + String(repeating: "v", count: 300) + "\r\n\r\n"
        #expect(parse(big, limits: limits).error == .headersTooLarge(limit: 256))
        let endless = "GET / HTTP/1.1\r\nHost: a\r\nX: " + String(repeating: "v", count: 300)
        #expect(parse(HTTPByteSplitter.bytewise(Array(endless.utf8)), limits: limits).error == .headersTooLarge(limit: 256))
        #expect(HTTPParserError.headersTooLarge(limit: 1).status.code == 431)
    }

    @Test func tooManyHeadersIsRejectedWith431() {
        let limits = HTTPParserLimits(maxHeaderCount: 10)
        let flood = "GET / HTTP/1.1\r\nHost: a\r\n" + (0..<20).map { "X-\($0): v\r\n" }.joined() + "\r\n"
        #expect(parse(flood, limits: limits).error == .tooManyHeaders(limit: 10))
        #expect(HTTPParserError.tooManyHeaders(limit: 1).status.code == 431)
    }

    @Test func bodyTooLargeIsRejectedFromContentLengthBeforeReadingIt() {
        let limits = HTTPParserLimits(maxBodySize: 10)
        let result = parse("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\n", limits: limits)
        #expect(result.error == .bodyTooLarge(limit: 10))
        #expect(HTTPParserError.bodyTooLarge(limit: 1).status.code == 413)
    }

    @Test func defaultBodyLimitIsOneMebibyte() {
        #expect(HTTPParserLimits().maxBodySize == 1_048_576)
        let over = "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1048577\r\n\r\n"
        #expect(parse(over).error == .bodyTooLarge(limit: 1_048_576))
    }

    @Test func chunkedBodyTooLargeIsRejected() {
        let limits = HTTPParserLimits(maxBodySize: 10)
        let text = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n12345678\r\n8\r\n"
        #expect(parse(text, limits: limits).error == .bodyTooLarge(limit: 10))
    }

    @Test func trailerFloodIsRejected() {
        let limits = HTTPParserLimits(maxHeaderCount: 5)
        let text = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n"
            + (0..<10).map { "T\($0): v\r\n" }.joined() + "\r\n"
        #expect(parse(text, limits: limits).error == .tooManyHeaders(limit: 5))
    }
}

/// Found by the fuzzer: the first error must not depend on how the input was split.
@Suite struct HTTPParserSplitInvarianceTests {
    static let inputs: [String] = [
        "GET /" + String(repeating: "\u{D3}", count: 300) + " HT\u{14}\n",
        "GET / HTTP/1.1\r\nHost: a\r\nX: " + String(repeating: "v", count: 2000) + "\n",
        "GET / HTTP/1.1\r\nHost: a\r\n\r\nGET /b HTTP/1.1\r\nBad Name: 1\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nT: 1\r\n\r\n",
    ]

    @Test(arguments: 0..<8)
    func outcomeIsTheSameForEverySplit(round: Int) {
        let limits = HTTPParserLimits(maxRequestLineLength: 256, maxHeaderBytes: 1024, maxHeaderCount: 16, maxBodySize: 4096)
        var splitter = HTTPByteSplitter.random()
        for input in Self.inputs {
            let bytes = Array(input.utf8)
            let whole = parse([bytes], limits: limits)
            let split = parse(splitter.split(bytes, maxPiece: 1 + round * 5), limits: limits)
            #expect(whole.error == split.error, "seed \(splitter.seed)")
            #expect(whole.requests == split.requests, "seed \(splitter.seed)")
        }
    }
}
