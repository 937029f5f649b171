import FoundationEssentials
import HTTP1
import HTTPServer
import JSON
import Logging
import WebSocket

// Our server with the same two routes as HummingbirdPeer.
//   GET /hello -> "hello"
//   POST /echo -> parse the JSON object with the product's parser (limits on), re-encode it.
// Arguments: PORT [pool|loop]  (handler execution: global pool, or on the connection's event loop)
let arguments = CommandLine.arguments.dropFirst()
let port = Int(arguments.first ?? "8092") ?? 8092
let mode = arguments.dropFirst().first ?? "loop"
let parser = JSONParser(limits: .init(maxInputBytes: 1 << 20, maxDepth: 64))
let serializer = JSONSerializer()
var jsonHeaders = HTTPHeaders()
jsonHeaders.add(name: "Content-Type", value: "application/json")
let echoHeaders = jsonHeaders

let router = Router()
router.get("/hello") { _, _ in .text("hello") }
router.post("/echo") { request, _ in
    let value: JSONValue
    do {
        value = try parser.parse(request.body)
    } catch {
        throw HTTPError(.badRequest, code: "INVALID_JSON", message: "\(error)")
    }
    guard value.objectValue != nil else { throw HTTPError(.unprocessableContent, code: "NOT_AN_OBJECT", message: "expected an object") }
    return Response(status: .ok, headers: echoHeaders, body: .bytes(try serializer.serialize(value)))
}
// WebSocket fan-out (scripts/bench-http.sh, WSFanoutBench): every message a publisher sends on
// /ws/publish goes to every connection on /ws/subscribe through one broadcaster.
let broadcaster = WebSocketBroadcaster()
router.webSocket("/ws/subscribe") { _, _, connection in
    let id = broadcaster.add(connection)
    // The receive loop answers pings and the close handshake; subscribers send nothing else.
    while (try? await connection.receive()) != nil {}
    broadcaster.remove(id)
}
router.webSocket("/ws/publish") { _, _, connection in
    while let message = try? await connection.receive() {
        _ = broadcaster.broadcast(message)
    }
}

var logger = Logger(label: "bench")
logger.logLevel = .error
let server = HTTPServer(
    configuration: HTTPServerConfiguration(
        port: port, handlerExecution: mode == "loop" ? .eventLoop : .globalPool),
    router: router, logger: logger)
try await server.run()
