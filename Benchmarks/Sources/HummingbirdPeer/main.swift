import Foundation
import Hummingbird

/// The ~200-byte JSON object POST /echo parses and re-encodes (same type on both servers).
struct EchoBody: Codable, Sendable, ResponseEncodable {
    var job_id: String
    var client: String
    var state: String
    var ttl_seconds: Int
    var units: Double
    var models: [String]
    var constraints: [String: String]
}

let port = Int(CommandLine.arguments.dropFirst().first ?? "8091") ?? 8091
let router = Router()
router.get("/hello") { _, _ in "hello" }
router.post("/echo") { request, context -> EchoBody in
    try await request.decode(as: EchoBody.self, context: context)
}
let app = Application(
    router: router,
    configuration: .init(address: .hostname("127.0.0.1", port: port), serverName: nil))
try await app.runService()
