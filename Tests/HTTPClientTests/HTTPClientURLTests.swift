import Testing

@testable import HTTPClient

/// `HTTPClientURL` parsing: the parts a request needs, and refusals.
@Suite struct HTTPClientURLTests {
    @Test(arguments: [
        ("http://127.0.0.1:8080/v1/jobs?x=1#frag", "http", "127.0.0.1", 8080, "/v1/jobs?x=1", "127.0.0.1:8080"),
        ("HTTP://LOCALHOST", "http", "localhost", 80, "/", "localhost"),
        ("http://127.0.0.1?q=1", "http", "127.0.0.1", 80, "/?q=1", "127.0.0.1"),
        ("http://[::1]:9000/a/b", "http", "::1", 9000, "/a/b", "[::1]:9000"),
        ("http://[::1]/", "http", "::1", 80, "/", "[::1]"),
        ("ws://127.0.0.1:1/é", "ws", "127.0.0.1", 1, "/é", "127.0.0.1:1"),
    ])
    func parses(text: String, scheme: String, host: String, port: Int, target: String, hostHeader: String) throws {
        let url = try HTTPClientURL(text, schemes: ["http", "ws"])
        #expect(url.scheme == scheme)
        #expect(url.host == host)
        #expect(url.port == port)
        #expect(url.target == target)
        #expect(url.hostHeader == hostHeader)
    }

    @Test(arguments: [
        "127.0.0.1:80/", "ftp://127.0.0.1/", "http://", "http://:80/", "http://127.0.0.1:/", "http://127.0.0.1:0/",
        "http://127.0.0.1:65536/", "http://127.0.0.1:123456/", "http://user@127.0.0.1/", "http://[::1/", "http://[::1]x/",
        "http://127.0.0.1/a b", "http://127.0.0.1/\u{7F}", "http://example.com/", "http://127.0.0.1:8x/",
    ])
    func refuses(text: String) {
        #expect(throws: HTTPClientError.invalidURL(text)) { try HTTPClientURL(text, schemes: ["http", "ws"]) }
    }
}
