import HTTP1
import TestSupport
import Testing

/// Hostile framing, each case named for the attack (RFC 9112 §6.3, §11.2).
@Suite struct HTTPParserSmugglingTests {
    /// Expects `text` to fail with `error` whole and when fed byte by byte.
    func expectRejected(_ text: String, _ error: HTTPParserError, limits: HTTPParserLimits = HTTPParserLimits()) {
        #expect(parse(text, limits: limits).error == error)
        #expect(parse(HTTPByteSplitter.bytewise(Array(text.utf8)), limits: limits).error == error)
    }

    @Test func contentLengthWithTransferEncodingIsRejected() {
        expectRejected(
            "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            .contentLengthWithTransferEncoding)
        expectRejected(
            "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n",
            .contentLengthWithTransferEncoding)
    }

    @Test func differingContentLengthsAreRejected() {
        expectRejected("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", .invalidContentLength)
        expectRejected("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3, 4\r\n\r\nabcd", .invalidContentLength)
    }

    @Test(arguments: ["-1", "+3", "0x10", "3 3", "", "99999999999999999999999", "1e3"])
    func malformedContentLengthIsRejected(value: String) {
        expectRejected("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: \(value)\r\n\r\n", .invalidContentLength)
    }

    @Test func obsoleteLineFoldingIsRejected() {
        expectRejected("GET / HTTP/1.1\r\nHost: a\r\nX-Long: one\r\n two\r\n\r\n", .obsoleteLineFolding)
        expectRejected("GET / HTTP/1.1\r\nHost: a\r\nX-Long: one\r\n\ttwo\r\n\r\n", .obsoleteLineFolding)
    }

    @Test func whitespaceBeforeColonIsRejected() {
        expectRejected("POST / HTTP/1.1\r\nHost: a\r\nContent-Length : 3\r\n\r\nabc", .invalidHeaderName)
        expectRejected("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding\t: chunked\r\n\r\n", .invalidHeaderName)
    }

    @Test(arguments: ["X\u{1}Y: v", "X(Y: v", ": v", "X@: v", "NoColon"])
    func invalidHeaderNameIsRejected(line: String) {
        expectRejected("GET / HTTP/1.1\r\nHost: a\r\n\(line)\r\n\r\n", .invalidHeaderName)
    }

    @Test(arguments: ["v\u{0}x", "v\u{7F}", "a\u{1B}b", "a\rb"])
    func controlBytesInValueAreRejected(value: String) {
        expectRejected("GET / HTTP/1.1\r\nHost: a\r\nX: \(value)\r\n\r\n", .invalidHeaderValue)
    }

    @Test func bareLineFeedIsRejected() {
        expectRejected("GET / HTTP/1.1\nHost: a\n\n", .invalidLineEnding)
    }

    @Test func invalidMethodTokenIsRejected() {
        expectRejected("G(T / HTTP/1.1\r\nHost: a\r\n\r\n", .invalidMethod)
    }

    @Test func unknownMethodIsNotImplemented() {
        expectRejected("BREW / HTTP/1.1\r\nHost: a\r\n\r\n", .unknownMethod("BREW"))
        #expect(HTTPParserError.unknownMethod("BREW").status.code == 501)
    }

    @Test(arguments: ["GET  / HTTP/1.1", "GET /a b HTTP/1.1", "GET / HTTP/1.1 ", "GET /", "GET / http/1.1", "GET / HTTP/1.x"])
    func malformedRequestLineIsRejected(line: String) {
        let error = parse("\(line)\r\nHost: a\r\n\r\n").error
        #expect(error != nil)
        #expect(error?.status.code == 400)
    }

    @Test func controlByteInTargetIsRejected() {
        expectRejected("GET /a\u{1}b HTTP/1.1\r\nHost: a\r\n\r\n", .invalidTarget)
    }

    @Test func missingHostInHTTP11IsRejected() {
        expectRejected("GET / HTTP/1.1\r\nAccept: */*\r\n\r\n", .missingOrDuplicateHost)
    }

    @Test func duplicateHostIsRejected() {
        expectRejected("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", .missingOrDuplicateHost)
    }

    @Test func unknownTransferCodingIsNotImplemented() {
        expectRejected("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", .unsupportedTransferEncoding("gzip"))
        #expect(HTTPParserError.unsupportedTransferEncoding("gzip").status.code == 501)
    }

    @Test func chunkedNotLastIsRejected() {
        expectRejected("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", .invalidTransferEncoding)
        expectRejected("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: identity\r\n\r\n", .invalidTransferEncoding)
    }

    @Test func doubleChunkedIsRejected() {
        expectRejected(
            "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
            .invalidTransferEncoding)
    }

    @Test func transferEncodingInHTTP10IsRejected() {
        expectRejected("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", .invalidTransferEncoding)
    }

    @Test(arguments: ["zz\r\n", "5\r\nhelloXX", "-1\r\n", "5 x\r\nhello\r\n", "fffffffffffffffffff\r\n", "5\nhello\r\n"])
    func malformedChunkIsRejected(chunk: String) {
        let text = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n" + chunk
        #expect(parse(text).error == .invalidChunk)
    }

    @Test func unsupportedVersionIsRejectedWith505() {
        expectRejected("GET / HTTP/2.0\r\nHost: a\r\n\r\n", .unsupportedVersion)
        #expect(HTTPParserError.unsupportedVersion.status.code == 505)
    }

    @Test func unknownExpectationIsRejected() {
        expectRejected("GET / HTTP/1.1\r\nHost: a\r\nExpect: teapot\r\n\r\n", .unsupportedExpectation)
    }
}
