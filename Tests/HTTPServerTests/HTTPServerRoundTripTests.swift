import HTTP1
import HTTPServer
import Logging
import Sockets
import TestSupport
import Testing

/// Requests over real loopback sockets.
@Suite struct HTTPServerRoundTripTests {
    @Test func getHello() async throws {
        try await withServer { _, port in
            let client = try HTTPTestConnection(port: port)
            try client.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
            let response = try client.readResponse()
            #expect(response.status == 200)
            #expect(response.text == "hello")
            #expect(response.headers["Content-Length"] == "5")
            #expect(response.headers["Date"]?.hasSuffix("GMT") == true)
            #expect(response.headers["Connection"] == nil)
        }
    }

    @Test func requestCountCountsEveryRequestHandled() async throws {
        try await withServer { server, port in
            #expect(server.requestCount == 0)
            let client = try HTTPTestConnection(port: port)
            for _ in 0..<3 {
                try client.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
                #expect(try client.readResponse().status == 200)
            }
            #expect(server.requestCount == 3)
        }
    }

    @Test func postEchoAndKeepAlive() async throws {
        try await withServer { _, port in
            let client = try HTTPTestConnection(port: port)
            for index in 0..<5 {
                let body = "payload-\(index)"
                try client.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
                let response = try client.readResponse()
                #expect(response.status == 200)
                #expect(response.text == body)
            }
        }
    }

    @Test func pipelinedRequestsAnswerInOrder() async throws {
        try await withServer { _, port in
            let client = try HTTPTestConnection(port: port)
            try client.send(
                "GET /slow?ms=100 HTTP/1.1\r\nHost: t\r\n\r\nGET /hello HTTP/1.1\r\nHost: t\r\n\r\n"
                    + "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabcGET /items/21 HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(try client.readResponse().text == "slow done")
            #expect(try client.readResponse().text == "hello")
            #expect(try client.readResponse().text == "abc")
            #expect(try client.readResponse().text == "42")
        }
    }

    @Test func pathParametersQueryAndGroups() async throws {
        try await withServer { _, port in
            let client = try HTTPTestConnection(port: port)
            try client.send("GET /v1/jobs/job%2042/result HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(try client.readResponse().text == #"{"job_id":"job 42"}"#)
            try client.send("GET /search?q=a+b%26c&limit=7 HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(try client.readResponse().text == "a b&c|7")
            try client.send("GET /v2/ping HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(try client.readResponse().text == "pong")
            try client.send("GET /items/abc HTTP/1.1\r\nHost: t\r\n\r\n")
            let bad = try client.readResponse()
            #expect(bad.status == 400)
            #expect(bad.text.contains("INVALID_PATH_PARAMETER"))
            try client.send("GET /search?limit=x HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(try client.readResponse().status == 400)
        }
    }

    @Test func notFoundAndMethodNotAllowed() async throws {
        try await withServer { _, port in
            let client = try HTTPTestConnection(port: port)
            try client.send("GET /nothing HTTP/1.1\r\nHost: t\r\n\r\n")
            let missing = try client.readResponse()
            #expect(missing.status == 404)
            #expect(missing.text.contains(#""code":"NOT_FOUND""#))
            try client.send("DELETE /hello HTTP/1.1\r\nHost: t\r\n\r\n")
            let wrong = try client.readResponse()
            #expect(wrong.status == 405)
            #expect(wrong.headers["Allow"] == "GET, HEAD")
            try client.send("POST /v1/jobs/1/result HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n")
            #expect(try client.readResponse().status == 405)
        }
    }

    @Test func headHasLengthButNoBody() async throws {
        try await withServer { _, port in
            let client = try HTTPTestConnection(port: port)
            try client.send("HEAD /hello HTTP/1.1\r\nHost: t\r\n\r\nGET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
            let head = try client.readResponse(requestMethod: .head)
            #expect(head.status == 200)
            #expect(head.headers["Content-Length"] == "5")
            #expect(try client.readResponse().text == "hello")
        }
    }

    @Test func http10ClosesUnlessKeepAlive() async throws {
        try await withServer { _, port in
            let client = try HTTPTestConnection(port: port)
            try client.send("GET /hello HTTP/1.0\r\n\r\n")
            let response = try client.readResponse()
            #expect(response.text == "hello")
            #expect(response.headers["Connection"] == "close")
            #expect(try client.waitForClose())

            let keep = try HTTPTestConnection(port: port)
            try keep.send("GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            #expect(try keep.readResponse().headers["Connection"] == "keep-alive")
            try keep.send("GET /hello HTTP/1.0\r\n\r\n")
            #expect(try keep.readResponse().text == "hello")
        }
    }

    @Test func connectionCloseIsHonoured() async throws {
        try await withServer { _, port in
            let client = try HTTPTestConnection(port: port)
            try client.send("GET /hello HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\nGET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
            let response = try client.readResponse()
            #expect(response.headers["Connection"] == "close")
            #expect(try client.readUntilClosed().isEmpty)
        }
    }

    @Test func halfClosedClientStillGetsItsResponse() async throws {
        try await withServer { _, port in
            let client = try HTTPTestConnection(port: port)
            try client.send("GET /slow?ms=100 HTTP/1.1\r\nHost: t\r\n\r\nGET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
            client.socket.shutdownWrite()
            #expect(try client.readResponse().text == "slow done")
            #expect(try client.readResponse().text == "hello")
            #expect(try client.waitForClose())
        }
    }

    @Test func expectContinueGetsInterimResponse() async throws {
        try await withServer { _, port in
            let client = try HTTPTestConnection(port: port)
            try client.send("POST /echo HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n")
            #expect(try client.readResponse().status == 100)
            try client.send("body")
            #expect(try client.readResponse().text == "body")
        }
    }

    @Test func chunkedUploadAndStreamedResponse() async throws {
        try await withServer { _, port in
            let client = try HTTPTestConnection(port: port)
            try client.send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n")
            #expect(try client.readResponse().text == "abcde")
            try client.send("GET /stream HTTP/1.1\r\nHost: t\r\n\r\n")
            let streamed = try client.readResponse()
            #expect(streamed.headers["Transfer-Encoding"] == "chunked")
            #expect(streamed.text == "part0;part1;part2;")
            try client.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(try client.readResponse().text == "hello")
        }
    }

    @Test func errorBodiesHaveOneShape() async throws {
        try await withServer { _, port in
            let client = try HTTPTestConnection(port: port)
            try client.send("GET /fail HTTP/1.1\r\nHost: t\r\n\r\n")
            let conflict = try client.readResponse()
            #expect(conflict.status == 409)
            #expect(conflict.headers["Content-Type"] == "application/json")
            #expect(conflict.text == #"{"detail":"already done","error":{"code":"JOB_CONFLICT","details":{"job_id":"j1"},"message":"already done"}}"#)
            try client.send("GET /crash HTTP/1.1\r\nHost: t\r\n\r\n")
            let crash = try client.readResponse()
            #expect(crash.status == 500)
            #expect(crash.text == #"{"error":{"code":"INTERNAL_SERVER_ERROR","details":{},"message":"Internal Server Error"}}"#)
        }
    }

    @Test func codableJSONInAndOut() async throws {
        try await withServer { _, port in
            let client = try HTTPTestConnection(port: port)
            let body = #"{"name":"x","count":1}"#
            try client.send("POST /json HTTP/1.1\r\nHost: t\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
            let created = try client.readResponse()
            #expect(created.status == 201)
            #expect(created.text.contains(#""count":2"#))
            try client.send("POST /json HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\n{x}")
            let bad = try client.readResponse()
            #expect(bad.status == 400)
            #expect(bad.text.contains("INVALID_JSON"))
        }
    }

    @Test func ipv6Loopback() async throws {
        let configuration = HTTPServerConfiguration(host: "::1", eventLoopThreads: 1)
        let server = HTTPServer(configuration: configuration, router: makeTestRouter(), logger: .init(label: "t"))
        do {
            try await server.start()
        } catch {
            return  // no IPv6 loopback on this host
        }
        let port = server.port ?? 0
        let text = await blocking {
            let client = try HTTPTestConnection(port: port, host: "::1")
            try client.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
            return try client.readResponse().text
        }
        #expect(try text.get() == "hello")
        await server.shutdown()
    }
}
