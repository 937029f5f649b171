import HTTP1
import TestSupport
import Testing

@Suite struct HTTPRequestParserTests {
    static let simpleGet = "GET /hello?x=1 HTTP/1.1\r\nHost: example\r\nUser-Agent: t\r\n\r\n"
    static let post = "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello"
    static let chunked =
        "POST /up HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
        + "5;ext=1\r\nhello\r\n7\r\n, world\r\n0\r\nX-Check: 42\r\n\r\n"
    static let http10 = "GET / HTTP/1.0\r\n\r\n"
    static let pipeline = simpleGet + post + chunked + "HEAD /h HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"

    @Test func parsesSimpleGet() throws {
        let result = parse(Self.simpleGet)
        #expect(result.error == nil)
        let request = try #require(result.requests.first)
        #expect(request.head.method == .get)
        #expect(request.head.target == "/hello?x=1")
        #expect(request.head.path == "/hello")
        #expect(request.head.query == "x=1")
        #expect(request.head.version == .http1_1)
        #expect(request.head.headers["host"] == "example")
        #expect(request.head.headers["USER-AGENT"] == "t")
        #expect(request.head.keepAlive)
        #expect(request.body.isEmpty)
    }

    @Test func parsesContentLengthBody() throws {
        let request = try #require(parse(Self.post).requests.first)
        #expect(request.head.bodyFraming == .contentLength(5))
        #expect(request.body == Array("hello".utf8))
    }

    @Test func parsesChunkedBodyWithTrailers() throws {
        let request = try #require(parse(Self.chunked).requests.first)
        #expect(request.head.bodyFraming == .chunked)
        #expect(String(decoding: request.body, as: UTF8.self) == "hello, world")
        #expect(request.trailers["x-check"] == "42")
    }

    @Test func http10DefaultsToClose() throws {
        let request = try #require(parse(Self.http10).requests.first)
        #expect(request.head.version == .http1_0)
        #expect(!request.head.keepAlive)
        let keep = try #require(parse("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").requests.first)
        #expect(keep.head.keepAlive)
    }

    @Test func connectionCloseEndsKeepAlive() throws {
        let request = try #require(parse("GET / HTTP/1.1\r\nHost: a\r\nConnection: Close\r\n\r\n").requests.first)
        #expect(!request.head.keepAlive)
    }

    @Test func expectContinueIsReported() throws {
        let text = "PUT /x HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nok"
        let request = try #require(parse(text).requests.first)
        #expect(request.head.expectsContinue)
        #expect(request.body == Array("ok".utf8))
    }

    @Test func headRequestHasNoBody() throws {
        let request = try #require(parse("HEAD / HTTP/1.1\r\nHost: a\r\n\r\n").requests.first)
        #expect(request.head.method == .head)
        #expect(request.head.bodyFraming == .none)
    }

    @Test func leadingEmptyLinesAreIgnored() {
        #expect(parse("\r\n\r\n" + Self.simpleGet).requests.count == 1)
        #expect(parse([Array("\r".utf8), Array("\n".utf8), Array(Self.simpleGet.utf8)]).requests.count == 1)
    }

    @Test func pipelinedRequestsInOneBufferComeOutInOrder() {
        let result = parse(Self.pipeline)
        #expect(result.error == nil)
        #expect(result.requests.map(\.head.target) == ["/hello?x=1", "/echo", "/up", "/h"])
        #expect(result.requests.map(\.head.method) == [.get, .post, .post, .head])
    }

    @Test func dripFedByteByByteMatchesWholeFeed() {
        let whole = parse(Self.pipeline)
        let drip = parse(HTTPByteSplitter.bytewise(Array(Self.pipeline.utf8)))
        #expect(drip.error == nil)
        #expect(drip.requests == whole.requests)
    }

    @Test(arguments: 0..<20)
    func randomSplitsMatchWholeFeed(round: Int) {
        var splitter = HTTPByteSplitter.random()
        let whole = parse(Self.pipeline)
        let pieces = splitter.split(Array(Self.pipeline.utf8), maxPiece: 1 + round * 3)
        let split = parse(pieces)
        #expect(split.error == nil, "seed \(splitter.seed)")
        #expect(split.requests == whole.requests, "seed \(splitter.seed)")
    }

    @Test func manyRequestsPerBuffer() {
        let text = String(repeating: Self.post, count: 200)
        let result = parse(text)
        #expect(result.error == nil)
        #expect(result.requests.count == 200)
        #expect(result.requests.allSatisfy { $0.body == Array("hello".utf8) })
    }

    @Test func partialRequestWaitsForMoreBytes() {
        let result = parse([Array("GET / HTTP/1.1\r\nHost: a\r\n".utf8)])
        #expect(result.error == nil)
        #expect(result.requests.isEmpty)
        #expect(!result.parser.isIdle)
    }

    @Test func leftoverBytesAreHandedOver() {
        var parser = HTTPRequestParser()
        parser.feed(Array("GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n\r\n\u{1}\u{2}".utf8))
        #expect(throws: Never.self) { _ = try parser.next() }
        #expect(parser.takeBufferedBytes() == [1, 2])
    }

    @Test func higherMinorVersionIsAccepted() throws {
        let request = try #require(parse("GET / HTTP/1.2\r\nHost: a\r\n\r\n").requests.first)
        #expect(request.head.version == HTTPVersion(major: 1, minor: 2))
    }

    @Test func headerValueWhitespaceIsTrimmedAndObsTextKept() throws {
        let bytes = Array("GET / HTTP/1.1\r\nHost: a\r\nX-A: \t v a \t\r\nX-B: caf\u{e9}\r\n\r\n".utf8)
        let request = try #require(parse([bytes]).requests.first)
        #expect(request.head.headers["x-a"] == "v a")
        #expect(request.head.headers["x-b"] == "caf\u{e9}")
    }

    @Test func identicalContentLengthsAreOneValue() throws {
        let request = try #require(
            parse("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok").requests.first)
        #expect(request.body == Array("ok".utf8))
    }

    @Test func errorIsSticky() {
        var parser = HTTPRequestParser()
        parser.feed(Array("GET / HTTP/1.1\r\n\r\n".utf8))
        #expect(throws: HTTPParserError.missingOrDuplicateHost) { _ = try parser.next() }
        parser.feed(Array(Self.simpleGet.utf8))
        #expect(throws: HTTPParserError.missingOrDuplicateHost) { _ = try parser.next() }
    }
}
