import HTTP1
import Testing

@Suite struct HTTPHeadersTests {
    @Test func lookupIgnoresCaseAndKeepsOrder() {
        var headers: HTTPHeaders = ["Content-Type": "text/plain", "X-A": "1"]
        headers.add(name: "x-a", value: "2")
        #expect(headers["content-type"] == "text/plain")
        #expect(headers.values(for: "X-A") == ["1", "2"])
        #expect(headers.map(\.name) == ["Content-Type", "X-A", "x-a"])
        headers.replaceOrAdd(name: "X-a", value: "3")
        #expect(headers.values(for: "x-a") == ["3"])
        headers.remove(name: "CONTENT-TYPE")
        #expect(!headers.contains("Content-Type"))
        #expect(headers.count == 1)
    }

    @Test func tokenListsAreMatchedCaseInsensitively() {
        let headers: HTTPHeaders = ["Connection": "keep-alive, Upgrade"]
        #expect(headers.containsToken("upgrade", in: "connection"))
        #expect(!headers.containsToken("close", in: "Connection"))
    }

    @Test func nonLettersAreNotFoldedTogether() {
        // '@' (0x40) and '`' (0x60) differ only in bit 0x20 but are not letters.
        let headers: HTTPHeaders = ["X@": "1"]
        #expect(headers["X`"] == nil)
    }
}
