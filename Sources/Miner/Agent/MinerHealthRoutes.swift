import HTTP1
public import HTTPServer
public import JSON
import ServiceRuntime

/// The miner's operator routes on `health_bind` (spec/miner.md §10): `GET /healthz`
/// (`{"status":"ok|draining","registered","inflight","last_heartbeat_ok"}`), `GET /readyz`
/// (200 only while registered and not draining) and `GET /metrics` (Prometheus text).
public enum MinerHealthRoutes {
    /// Adds the routes for `agent` to `router`: ServiceRuntime's operational routes, with
    /// readiness checks for registration and draining, and the miner's own `/healthz` body.
    public static func install(on router: Router, agent: MinerAgent) {
        let health = HealthChecks()
        health.register("registered") { agent.status.registered ? nil : "not registered with the coordinator" }
        health.register("draining") { agent.status.draining ? "draining" : nil }
        router.add(middleware: OperationalRoutes.metricsMiddleware())
        OperationalRoutes.install(on: router, service: "aitbc-miner", health: health)
        // Replaces the generic liveness body (a later static route wins) with the miner's.
        router.get("/healthz") { _, _ in
            .json(healthJSON(agent.status))
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
}
