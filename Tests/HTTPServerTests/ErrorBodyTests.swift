import Foundation
import HTTP1
import Testing

@testable import HTTPServer

/// Error bodies written directly are byte for byte what `JSONEncoder` (sorted keys) writes, and
/// anything the direct path cannot write exactly goes through the encoder.
@Suite struct ErrorBodyTests {
    struct Details: Encodable, Sendable { let limit_bytes: Int }

    static let plainCases: [HTTPError] = [
        HTTPError(.notFound),
        HTTPError(.tooEarly, code: "JOB_NOT_READY", message: "job not finished", extraMembers: [("detail", "job not finished")]),
        HTTPError(.unauthorized, code: "UNAUTHORIZED", message: "missing or invalid API key", extraMembers: [("detail", "x"), ("zeta", "z"), ("alpha", "a")]),
        HTTPError(.tooManyRequests, message: "slow down, 3 s", extraMembers: [("error", "ignored like the encoder does")]),
        HTTPError(.badRequest, code: "", message: ""),
    ]

    @Test(arguments: plainCases)
    func plainBodiesEqualTheEncodersBytes(error: HTTPError) throws {
        let plain = try #require(error.plainBody)
        #expect(plain == error.encodedBody, "\(String(decoding: plain, as: UTF8.self)) vs \(String(decoding: error.encodedBody, as: UTF8.self))")
        if case .bytes(let body) = error.response.body { #expect(body == plain) } else { Issue.record("not a byte body") }
    }

    static let encodedCases: [HTTPError] = [
        HTTPError(.contentTooLarge, message: "too large", details: Details(limit_bytes: 1_048_576)),
        HTTPError(.notFound, message: "no route for /v1/x"),
        HTTPError(.badRequest, message: #"bad "quote" and \ backslash"#),
        HTTPError(.badRequest, message: "line\nbreak"),
        HTTPError(.badRequest, message: "é non-ASCII"),
        HTTPError(.badRequest, message: "m", extraMembers: [("detail", 42)]),
        HTTPError(.badRequest, message: "m", extraMembers: [("detail", "a"), ("detail", "b")]),
    ]

    @Test(arguments: encodedCases)
    func everythingElseGoesThroughTheEncoder(error: HTTPError) throws {
        #expect(error.plainBody == nil)
        if case .bytes(let body) = error.response.body { #expect(body == error.encodedBody) } else { Issue.record("not a byte body") }
        // Still one JSON object with the error members.
        let object = try #require(try JSONSerialization.jsonObject(with: Data(error.encodedBody)) as? [String: Any])
        #expect((object["error"] as? [String: Any])?["code"] as? String == error.code)
    }
}
