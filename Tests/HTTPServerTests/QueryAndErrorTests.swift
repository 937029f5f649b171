import HTTP1
import HTTPServer
import JSON
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
        let response = HTTPError(
            .contentTooLarge, message: "too big", details: ["limit": 10], extraMembers: [("detail", "too big")],
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

    @Test func requestJSONParsesStrictlyWithinLimits() throws {
        func request(_ body: String) -> Request {
            Request(head: HTTPRequestHead(method: .post, target: "/x", version: .http1_1, headers: HTTPHeaders()), body: Array(body.utf8))
        }
        #expect(try request(#"{"a":[1,2.5,"x"]}"#).json() == ["a": [1, 2.5, "x"]])
        for bad in ["{x}", "", #"{"a":1,"a":2}"#, "[1,]", "NaN"] {
            do {
                _ = try request(bad).json()
                Issue.record("accepted \(bad)")
            } catch {
                #expect(error.status == .badRequest)
                #expect(error.code == "INVALID_JSON")
            }
        }
        // The duplicate key is the client's text: the message names where, not what.
        do {
            _ = try request(#"{"secret-ish":1,"secret-ish":2}"#).json()
        } catch {
            #expect(!error.message.contains("secret-ish"))
        }
        do {
            _ = try request("[[[1]]]").json(limits: .init(maxInputBytes: 100, maxDepth: 2))
            Issue.record("accepted nesting past the limit")
        } catch {
            #expect(error.code == "INVALID_JSON")
        }
        do {
            _ = try request(#"{"a":"0123456789"}"#).json(limits: .init(maxInputBytes: 8))
            Issue.record("accepted a body past the size limit")
        } catch {
            #expect(error.status == .contentTooLarge)
            #expect(error.details == ["limit_bytes": 8])
        }
    }
}
