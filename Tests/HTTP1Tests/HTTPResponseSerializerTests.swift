import HTTP1
import Testing

@Suite struct HTTPResponseSerializerTests {
    @Test func writesStatusHeadersAndLength() {
        var out: [UInt8] = []
        HTTPResponseSerializer.writeHead(
            status: .ok, headers: ["Content-Type": "text/plain"], contentLength: 1234, close: true,
            date: Array("Sun, 06 Nov 1994 08:49:37 GMT".utf8), into: &out)
        #expect(
            String(decoding: out, as: UTF8.self)
                == "HTTP/1.1 200 OK\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\nContent-Type: text/plain\r\n"
                + "Content-Length: 1234\r\nConnection: close\r\n\r\n")
    }

    @Test func writesChunks() {
        var out: [UInt8] = []
        HTTPResponseSerializer.writeChunk(Array(repeating: UInt8(ascii: "a"), count: 26), into: &out)
        HTTPResponseSerializer.writeChunk([UInt8](), into: &out)
        HTTPResponseSerializer.writeLastChunk(into: &out)
        #expect(String(decoding: out, as: UTF8.self) == "1a\r\n" + String(repeating: "a", count: 26) + "\r\n0\r\n\r\n")
    }

    @Test(arguments: [(784_111_777, "Sun, 06 Nov 1994 08:49:37 GMT"), (0, "Thu, 01 Jan 1970 00:00:00 GMT"),
                      (1_709_210_096, "Thu, 29 Feb 2024 12:34:56 GMT")])
    func formatsIMFFixdate(seconds: Int, text: String) {
        #expect(HTTPDate.format(epochSeconds: seconds) == text)
    }

    @Test func serializedResponseParsesBackAsRequestFraming() {
        #expect(HTTPResponseStatus(code: 431).reasonPhrase == "Request Header Fields Too Large")
        #expect(!HTTPResponseStatus.noContent.mayHaveBody)
    }
}
