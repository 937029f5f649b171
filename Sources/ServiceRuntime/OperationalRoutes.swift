public import HTTPServer
import HTTP1
import JSON
import Metrics

/// The routes every daemon serves for operators and probes, and the request metrics behind them.
public enum OperationalRoutes {
    /// Adds `GET /healthz` (liveness), `GET /readyz` (readiness, 503 with the failing checks)
    /// and `GET /metrics` (Prometheus text) to `router`. Add before the server starts.
    public static func install(on router: Router, service: String, health: HealthChecks) {
        MetricsRuntime.bootstrap()
        router.get("/healthz") { _, _ in
            .json(["status": "ok", "service": .string(service)])
        }
        router.get("/readyz") { _, _ in
            let (ready, checks) = await health.readiness()
            let body: JSONValue = ["status": ready ? "ready" : "not_ready", "checks": .array(checks.map(\.json))]
            return .json(body, status: ready ? .ok : .serviceUnavailable)
        }
        router.get("/metrics") { _, _ in
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: MetricsRuntime.contentType)
            return Response(status: .ok, headers: headers, body: .bytes(MetricsRuntime.render()))
        }
    }

    /// A middleware recording `http_requests_total` and `http_request_duration_seconds` by
    /// method, route pattern (never the raw path, which would explode label cardinality) and status.
    public static func metricsMiddleware() -> MetricsMiddleware {
        MetricsRuntime.bootstrap()
        let cache = RequestSeriesCache()
        return MetricsMiddleware { sample in
            let series = cache.series(method: sample.method.rawValue, route: sample.route ?? "unmatched", status: sample.status)
            series.requests.increment()
            series.duration.recordNanoseconds(sample.duration.nanoseconds)
        }
    }
}
