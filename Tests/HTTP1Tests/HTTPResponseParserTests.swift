import HTTP1
import Testing
import TestSupport

/// One parsed response, collected from events.
struct ParsedResponse: Equatable {
    var head: HTTPResponseHead
    var body: [UInt8]
    var trailers: HTTPHeaders
}

/// Feeds `pieces` in order (then `finish()` when `end`) and collects complete responses.
func parseResponses(
    _ pieces: [[UInt8]], methods: [HTTPMethod] = [], limits: HTTPParserLimits = HTTPParserLimits(), end: Bool = false
) throws(HTTPParserError) -> [ParsedResponse] {
    var parser = HTTPResponseParser(limits: limits)
    for method in methods { parser.expectResponse(to: method) }
    var results: [ParsedResponse] = []
    var current: ParsedResponse?
    func drain(_ parser: inout HTTPResponseParser) throws(HTTPParserError) {
        while let event = try parser.next() {
            switch event {
            case .head(let head): current = ParsedResponse(head: head, body: [], trailers: HTTPHeaders())
            case .body(let bytes): current?.body.append(contentsOf: bytes)
            case .end(let trailers):
                if var done = current {
                    done.trailers = trailers
                    results.append(done)
                }
                current = nil
            }
        }
    }
    for piece in pieces {
        parser.feed(piece)
        try drain(&parser)
    }
    if end {
        parser.finish()
        try drain(&parser)
    }
    return results
}

func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

@Suite struct HTTPResponseParserTests {
    static let samples: [String] = [
        "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\nhello",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-Sum: 1\r\n\r\n",
        "HTTP/1.1 204 No Content\r\nX-A: b\r\n\r\n",
        "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 500\r\nContent-Length: 2\r\n\r\nno",
    ]

    @Test func parsesContentLengthResponse() throws {
        let responses = try parseResponses([bytes(Self.samples[0])])
        let response = try #require(responses.first)
        #expect(response.head.status.code == 200)
        #expect(response.head.status.reasonPhrase == "OK")
        #expect(response.head.version == .http1_1)
        #expect(response.head.headers["content-type"] == "text/plain")
        #expect(response.head.keepAlive)
        #expect(response.body == bytes("hello"))
    }

    @Test func parsesChunkedResponseWithTrailers() throws {
        let response = try #require(try parseResponses([bytes(Self.samples[1])]).first)
        #expect(response.head.bodyFraming == .chunked)
        #expect(response.body == bytes("hello world"))
        #expect(response.trailers["X-Sum"] == "1")
    }

    @Test func statusLineWithoutReasonIsAccepted() throws {
        let response = try #require(try parseResponses([bytes(Self.samples[4])]).first)
        #expect(response.head.status.code == 500)
        #expect(response.body == bytes("no"))
    }

    @Test func manyResponsesInOneBufferParseInOrder() throws {
        let all = Self.samples.joined()
        let responses = try parseResponses([bytes(all)])
        #expect(responses.map(\.head.status.code) == [200, 200, 204, 404, 500])
        #expect(responses[1].body == bytes("hello world"))
    }

    @Test func dripFedByteByByteMatchesWhole() throws {
        let all = bytes(Self.samples.joined())
        let whole = try parseResponses([all])
        #expect(try parseResponses(HTTPByteSplitter.bytewise(all)) == whole)
        for seed: UInt64 in 1...20 {
            var splitter = HTTPByteSplitter(seed: seed)
            #expect(try parseResponses(splitter.split(all, maxPiece: 9)) == whole, "seed \(seed)")
        }
    }

    @Test func bodyReadUntilCloseEndsAtFinish() throws {
        let text = bytes("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nstreamed until close")
        #expect(try parseResponses([text]).isEmpty)
        let response = try #require(try parseResponses(HTTPByteSplitter.bytewise(text), end: true).first)
        #expect(response.head.bodyFraming == .untilClose)
        #expect(!response.head.keepAlive)
        #expect(response.body == bytes("streamed until close"))
    }

    @Test func headResponseHasNoBodyDespiteContentLength() throws {
        let text = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n" + "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
        let responses = try parseResponses([bytes(text)], methods: [.head, .get])
        #expect(responses.count == 2)
        #expect(responses[0].body.isEmpty)
        #expect(responses[1].body == bytes("ok"))
    }

    @Test(arguments: [204, 304, 100])
    func statusesWithoutContentHaveNoBody(code: Int) throws {
        let text = "HTTP/1.1 \(code) X\r\nContent-Length: 3\r\n\r\n" + "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
        let responses = try parseResponses([bytes(text)])
        #expect(responses.map(\.head.status.code) == [code, 200])
        #expect(responses[0].body.isEmpty)
        #expect(responses[1].body == bytes("ok"))
    }

    @Test func interimContinueIsFollowedByFinalResponseForSameRequest() throws {
        let text = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello" + "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
        let responses = try parseResponses([bytes(text)], methods: [.post, .head])
        #expect(responses.map(\.head.status.code) == [100, 200, 200])
        #expect(responses[1].body == bytes("hello"))
        #expect(responses[2].body.isEmpty)
    }

    @Test func switchingProtocolsStopsParsingAndHandsOverBytes() throws {
        var parser = HTTPResponseParser()
        parser.expectResponse(to: .get)
        parser.feed(bytes("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n") + [0x81, 0x02, 0x68, 0x69])
        guard case .head(let head) = try parser.next() else { Issue.record("no head"); return }
        #expect(head.status == .switchingProtocols)
        #expect(try parser.next() == nil)
        #expect(parser.isUpgraded)
        #expect(parser.takeBufferedBytes() == [0x81, 0x02, 0x68, 0x69])
    }

    @Test func connectionCloseAndHTTP10DisableKeepAlive() throws {
        let close = try #require(try parseResponses([bytes("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")]).first)
        #expect(!close.head.keepAlive)
        let old = try #require(try parseResponses([bytes("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n")]).first)
        #expect(!old.head.keepAlive)
        let kept = try #require(try parseResponses([bytes("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n")]).first)
        #expect(kept.head.keepAlive)
    }

    @Test func truncatedResponsesFailAtEndOfStream() {
        let cases = [
            "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel",
            "HTTP/1.1 200 OK\r\nContent-",
        ]
        for text in cases {
            #expect(throws: HTTPParserError.unexpectedEndOfStream) { try parseResponses([bytes(text)], end: true) }
        }
        // A close between responses is orderly.
        #expect((try? parseResponses([bytes(Self.samples[3])], end: true))?.count == 1)
    }
}

@Suite struct HTTPResponseParserHostileTests {
    @Test func smugglingContentLengthWithTransferEncodingIsRejected() {
        let text = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
        #expect(throws: HTTPParserError.contentLengthWithTransferEncoding) { try parseResponses([bytes(text)]) }
    }

    @Test func smugglingDifferingContentLengthsAreRejected() {
        let text = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!"
        #expect(throws: HTTPParserError.invalidContentLength) { try parseResponses([bytes(text)]) }
        let same = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok"
        #expect((try? parseResponses([bytes(same)]))?.first?.body == bytes("ok"))
    }

    @Test(arguments: [
        ("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", HTTPParserError.invalidContentLength),
        ("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n", .invalidContentLength),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", .invalidTransferEncoding),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n", .invalidTransferEncoding),
        ("HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", .invalidTransferEncoding),
        ("HTTP/1.1 200 OK\r\n Folded: x\r\n\r\n", .obsoleteLineFolding),
        ("HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n", .invalidHeaderName),
        ("HTTP/1.1 200 OK\r\nX: a\u{01}b\r\n\r\n", .invalidHeaderValue),
        ("HTTP/1.1 200 OK\nX: a\r\n\r\n", .invalidLineEnding),
        ("HTTP/1.1 20 OK\r\n\r\n", .invalidStatusLine),
        ("HTTP/1.1 099 OK\r\n\r\n", .invalidStatusLine),
        ("HTTP/1.1 2000 OK\r\n\r\n", .invalidStatusLine),
        ("HTTP/2.0 200 OK\r\n\r\n", .unsupportedVersion),
        ("ICY 200 OK\r\n\r\n", .invalidStatusLine),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", .invalidChunk),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nokXX", .invalidChunk),
    ])
    func malformedResponsesAreRejected(text: String, error: HTTPParserError) {
        #expect(throws: error) { try parseResponses([bytes(text)]) }
    }

    @Test func headerFloodIsBounded() {
        let limits = HTTPParserLimits(maxHeaderBytes: 1024, maxHeaderCount: 10)
        let many = "HTTP/1.1 200 OK\r\n" + (0..<11).map { "X-\($0): y\r\n" }.joined() + "\r\n"
        #expect(throws: HTTPParserError.tooManyHeaders(limit: 10)) { try parseResponses([bytes(many)], limits: limits) }
        let huge = "HTTP/1.1 200 OK\r\nX: " + String(repeating: "a", count: 2000)
        #expect(throws: HTTPParserError.headersTooLarge(limit: 1024)) {
            try parseResponses(HTTPByteSplitter.bytewise(bytes(huge)), limits: limits)
        }
    }

    @Test func oversizedBodiesAreRefused() {
        let limits = HTTPParserLimits(maxBodySize: 4)
        #expect(throws: HTTPParserError.bodyTooLarge(limit: 4)) {
            try parseResponses([bytes("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n")], limits: limits)
        }
        #expect(throws: HTTPParserError.bodyTooLarge(limit: 4)) {
            try parseResponses([bytes("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n3\r\n")], limits: limits)
        }
        #expect(throws: HTTPParserError.bodyTooLarge(limit: 4)) {
            try parseResponses([bytes("HTTP/1.1 200 OK\r\n\r\nabc"), bytes("de")], limits: limits)
        }
    }

    @Test func parserStaysFailed() {
        var parser = HTTPResponseParser()
        parser.feed(bytes("HTTP/1.1 200 OK\nX\r\n\r\n"))
        #expect(throws: HTTPParserError.invalidLineEnding) { try parser.next() }
        parser.feed(bytes("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"))
        #expect(throws: HTTPParserError.invalidLineEnding) { try parser.next() }
    }
}
