import BenchSupport
import Foundation
import HTTP1
import HTTPClient
import JSON
import WireModels

/// The daemon's REST routes the benchmarks call, with the WireModels request and answer types
/// (no wire shape written twice). Anything but the expected status fails the benchmark.
struct WalletAPI: Sendable {
    let base: String
    let http: HTTPClient
    let parser = JSONParser(limits: .init(maxInputBytes: 1 << 20))

    /// A password that meets the create rules (spec §8); the C baseline hashes one as long.
    static let password = "Bench-password-1!"

    /// The wallet ids the benchmarks create.
    static func walletID(_ index: Int) -> String { "bench-\(index)" }

    init(base: String, connections: Int) {
        self.base = base
        http = HTTPClient(
            configuration: HTTPClientConfiguration(
                connectTimeout: .seconds(10), readTimeout: .seconds(120), maxConnectionsPerHost: connections, eventLoopThreads: 1))
    }

    static func body(_ message: some WireMessage) -> [UInt8] {
        guard let bytes = try? JSONSerializer().serialize(message.json) else { Bench.fail("cannot serialize \(type(of: message))") }
        return bytes
    }

    static func post(_ url: String, _ body: [UInt8]) -> HTTPClientRequest {
        HTTPClientRequest(method: .post, url: url, headers: ["Content-Type": "application/json"], body: body)
    }

    /// `POST /v1/wallets` (a `raw` wallet; one Argon2 run in the daemon): its public key.
    func create(_ id: String) async -> WalletView {
        let request = Self.post(base + "/v1/wallets", Self.body(WalletCreateRequest(walletID: id, password: Self.password)))
        let response = await send(request, expecting: 201, what: "create \(id)")
        guard let json = try? parser.parse(response.body), let wallet = json["wallet"], let view = try? WalletView(json: wallet) else {
            Bench.fail("create \(id): unexpected answer \(response.text.prefix(300))")
        }
        return view
    }

    /// `POST /v1/wallets/{id}/unlock`: the seconds from sending to the complete answer.
    func unlock(_ id: String, ttlSeconds: Int? = nil) async -> Double {
        let request = Self.post(base + "/v1/wallets/\(id)/unlock", Self.body(WalletUnlockRequest(password: Self.password, ttlSeconds: ttlSeconds)))
        let started = Bench.now()
        let response = await send(request, expecting: 200, what: "unlock \(id)")
        let elapsed = Bench.now() - started
        guard let json = try? parser.parse(response.body), (try? WalletUnlockState(json: json))?.unlocked == true else {
            Bench.fail("unlock \(id): unexpected answer \(response.text.prefix(300))")
        }
        return elapsed
    }

    /// `POST /v1/wallets/{id}/lock`.
    func lock(_ id: String) async {
        _ = await send(Self.post(base + "/v1/wallets/\(id)/lock", []), expecting: 200, what: "lock \(id)")
    }

    /// `GET path` → 200.
    func get(_ path: String) async -> HTTPClientResponse {
        await send(HTTPClientRequest(method: .get, url: base + path), expecting: 200, what: "GET \(path)")
    }

    /// `request`, failing the run unless it gets `status`.
    func send(_ request: HTTPClientRequest, expecting status: Int, what: String) async -> HTTPClientResponse {
        let response: HTTPClientResponse
        do {
            response = try await http.execute(request)
        } catch {
            Bench.fail("\(what): \(error)")
        }
        guard response.status.code == status else { Bench.fail("\(what): HTTP \(response.status.code) \(response.text.prefix(300))") }
        return response
    }
}
