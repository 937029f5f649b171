import Foundation
import HTTP1
import HTTPServer
import Testing

@Suite struct QueryAndErrorTests {
    @Test func queryDecodingHandlesPlusPercentAndRepeats() throws {
        let query = QueryParameters("a=1&b=x+y&c=%E2%9C%93&a=2&flag&bad=%zz&empty=")
        #expect(query["a"] == "1")
        #expect(query.values(for: "a") == ["1", "2"])
        #expect(query["b"] == "x y")
        #expect(query["c"] == "\u{2713}")
        #expect(query["flag"] == "")
        #expect(query["bad"] == "%zz")
        #expect(query["empty"] == "")
        #expect(try query.get("a", as: Int.self) == 1)
        #expect(try query.get("missing", as: Int.self) == nil)
        #expect(throws: HTTPError.self) { try query.get("b", as: Int.self) }
        #expect(throws: HTTPError.self) { try query.require("missing", as: String.self) }
    }

    @Test func routeParametersConvertOrThrow400() throws {
        let parameters = RouteParameters([(name: "id", value: "42"), (name: "name", value: "x")])
        #expect(try parameters.require("id", as: Int.self) == 42)
        do {
            _ = try parameters.require("name", as: Int.self)
            Issue.record("expected an error")
        } catch {
            #expect(error.status.code == 400)
            #expect(error.code == "INVALID_PATH_PARAMETER")
        }
    }

    @Test func errorCodesDefaultFromStatus() {
        #expect(HTTPError(.notFound).code == "NOT_FOUND")
        #expect(HTTPError(.requestHeaderFieldsTooLarge).code == "REQUEST_HEADER_FIELDS_TOO_LARGE")
        #expect(HTTPError(.httpVersionNotSupported).code == "HTTP_VERSION_NOT_SUPPORTED")
    }

    @Test func errorBodyRendersDetailsAndExtraMembers() throws {
        struct Details: Encodable, Sendable { var limit: Int }
        let response = HTTPError(
            .contentTooLarge, message: "too big", details: Details(limit: 10), extraMembers: [("detail", "too big")],
            headers: ["Retry-After": "1"]
        ).response
        #expect(response.status.code == 413)
        #expect(response.headers["Retry-After"] == "1")
        #expect(response.headers["Content-Type"] == "application/json")
        guard case .bytes(let body) = response.body else {
            Issue.record("expected bytes")
            return
        }
        #expect(String(decoding: body, as: UTF8.self)
            == #"{"detail":"too big","error":{"code":"CONTENT_TOO_LARGE","details":{"limit":10},"message":"too big"}}"#)
    }
}
