import HTTP1
public import HTTPServer
public import JSON
import ServiceRuntime

/// The miner's operator routes on `health_bind` (spec/miner.md §10): `GET /healthz`
/// (`{"status":"ok|draining","registered","inflight","last_heartbeat_ok"}`), `GET /readyz`
/// (200 only while registered and not draining) and `GET /metrics` (Prometheus text).
public enum MinerHealthRoutes {
    /// Adds the routes for `agent` to `router`.
    public static func install(on router: Router, agent: MinerAgent) {
        MetricsRuntime.bootstrap()
        router.get("/healthz") { _, _ in
            json(healthJSON(agent.status))
        }
        router.get("/readyz") { _, _ in
            let status = agent.status
            let ready = status.registered && !status.draining
            return json(["status": .string(ready ? "ready" : "not_ready")], status: ready ? .ok : .serviceUnavailable)
        }
        router.get("/metrics") { _, _ in
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: MetricsRuntime.contentType)
            return Response(status: .ok, headers: headers, body: .bytes(MetricsRuntime.render()))
        }
    }

    /// The `/healthz` body for `status`.
    public static func healthJSON(_ status: MinerAgent.Status) -> JSONValue {
        [
            "status": .string(status.draining ? "draining" : "ok"), "registered": .bool(status.registered),
            "inflight": .integer(JSONInteger(status.inflight)),
            "last_heartbeat_ok": status.lastHeartbeatOK.map { .string(RFC3339.format(milliseconds: $0)) } ?? .null,
        ]
    }

    private static func json(_ value: JSONValue, status: HTTPResponseStatus = .ok) -> Response {
        let bytes = (try? JSONSerializer().serialize(value)) ?? Array("{}".utf8)
        return Response(status: status, headers: ["Content-Type": "application/json"], body: .bytes(bytes))
    }
}
