import HTTP1
import JSON
import Testing

@testable import HTTPServer

/// Error bodies have one renderer (`JSONSerializer`, keys sorted at every level): the bytes
/// clients, tests and the documentation rely on, escaping done by the JSON module.
@Suite struct ErrorBodyTests {
    struct Case: Sendable, CustomStringConvertible {
        let error: HTTPError
        let body: String
        var description: String { body }
    }

    static let cases: [Case] = [
        Case(error: HTTPError(.notFound), body: #"{"error":{"code":"NOT_FOUND","details":{},"message":"Not Found"}}"#),
        Case(
            error: HTTPError(.tooEarly, code: "JOB_NOT_READY", message: "job not finished", extraMembers: [("detail", "job not finished")]),
            body: #"{"detail":"job not finished","error":{"code":"JOB_NOT_READY","details":{},"message":"job not finished"}}"#),
        // Extra members sorted among themselves and around `error`.
        Case(
            error: HTTPError(.unauthorized, code: "UNAUTHORIZED", message: "missing key", extraMembers: [("detail", "x"), ("zeta", "z"), ("alpha", "a")]),
            body: #"{"alpha":"a","detail":"x","error":{"code":"UNAUTHORIZED","details":{},"message":"missing key"},"zeta":"z"}"#),
        // `error` is the body's own member; an extra one of that name is left out, and a repeated name keeps the first.
        Case(
            error: HTTPError(.tooManyRequests, message: "slow down", extraMembers: [("error", "ignored"), ("detail", "a"), ("detail", "b")]),
            body: #"{"detail":"a","error":{"code":"TOO_MANY_REQUESTS","details":{},"message":"slow down"}}"#),
        // Details are sorted too; numbers stay integers.
        Case(
            error: HTTPError(.contentTooLarge, message: "too large", details: ["limit_bytes": 1_048_576, "after": "x"]),
            body: #"{"error":{"code":"CONTENT_TOO_LARGE","details":{"after":"x","limit_bytes":1048576},"message":"too large"}}"#),
        // RFC 8259 escaping: quotes, backslashes and controls escaped; `/` and non-ASCII as they are.
        Case(
            error: HTTPError(.badRequest, message: "bad \"quote\" \\ /v1/x line\nbreak é"),
            body: #"{"error":{"code":"BAD_REQUEST","details":{},"message":"bad \"quote\" \\ /v1/x line\nbreak é"}}"#),
        Case(error: HTTPError(.badRequest, code: "", message: ""), body: #"{"error":{"code":"","details":{},"message":""}}"#),
        Case(
            error: HTTPError(.badRequest, message: "m", extraMembers: [("detail", 42)]),
            body: #"{"detail":42,"error":{"code":"BAD_REQUEST","details":{},"message":"m"}}"#),
    ]

    @Test(arguments: cases)
    func bodyBytes(testCase: Case) throws {
        let response = testCase.error.response
        #expect(response.status == testCase.error.status)
        #expect(response.headers["Content-Type"] == "application/json")
        guard case .bytes(let body) = response.body else {
            Issue.record("not a byte body")
            return
        }
        #expect(String(decoding: body, as: UTF8.self) == testCase.body)
        // The bytes parse back (strictly: no duplicate keys) to the body's value, key order aside.
        let parsed = try JSONParser(limits: .init(maxInputBytes: 1 << 16)).parse(body)
        #expect(parsed["error"]?["code"] == .string(testCase.error.code))
        #expect(parsed["error"]?["message"] == .string(testCase.error.message))
    }

    @Test func detailsJSONCannotExpressFallBackToA500Body() {
        let error = HTTPError(.badRequest, message: "m", details: ["ratio": .float(.nan)])
        #expect(error.body == HTTPError.fallbackBody)
        #expect(String(decoding: HTTPError.fallbackBody, as: UTF8.self) == String(decoding: HTTPError(.internalServerError).body, as: UTF8.self))
    }
}
