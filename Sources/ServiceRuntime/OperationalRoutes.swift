public import HTTPServer
import HTTP1
import Metrics

/// The routes every daemon serves for operators and probes, and the request metrics behind them.
public enum OperationalRoutes {
    /// Adds `GET /healthz` (liveness), `GET /readyz` (readiness, 503 with the failing checks)
    /// and `GET /metrics` (Prometheus text) to `router`. Add before the server starts.
    public static func install(on router: Router, service: String, health: HealthChecks) {
        MetricsRuntime.bootstrap()
        router.get("/healthz") { _, _ in
            .json(Liveness(status: "ok", service: service))
        }
        router.get("/readyz") { _, _ in
            let (ready, checks) = await health.readiness()
            return .json(Readiness(status: ready ? "ready" : "not_ready", checks: checks),
                         status: ready ? .ok : .serviceUnavailable)
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
        return MetricsMiddleware { sample in
            let dimensions = [
                ("method", sample.method.rawValue), ("route", sample.route ?? "unmatched"), ("status", String(sample.status)),
            ]
            Counter(label: "http_requests_total", dimensions: dimensions).increment()
            Timer(label: "http_request_duration_seconds", dimensions: dimensions, preferredDisplayUnit: .seconds)
                .recordNanoseconds(sample.duration.nanoseconds)
        }
    }

    struct Liveness: Encodable, Sendable {
        let status: String
        let service: String
    }

    struct Readiness: Encodable, Sendable {
        let status: String
        let checks: [HealthChecks.Result]
    }
}

extension Duration {
    /// Whole nanoseconds, saturating (a request never lasts 292 years).
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? Int64.max : whole &+ attoseconds / 1_000_000_000
    }
}
