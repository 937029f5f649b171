public import HTTPServer
import HTTP1
import JSON
import Metrics
import Synchronization

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

    /// The counter and timer of each (method, route, status), made once: creating them per
    /// request goes through the factory's registry (label strings, a lock, a lookup) every time.
    /// Label values come from a finite set (route patterns, parsed methods, status codes); past
    /// `capacity` entries new combinations are still recorded, just not cached.
    final class RequestSeriesCache: Sendable {
        struct Key: Hashable {
            var method: String
            var route: String
            var status: Int
        }

        struct Series: Sendable {
            let requests: Counter
            let duration: Metrics.Timer
        }

        static let capacity = 1_024
        private let entries = Mutex<[Key: Series]>([:])

        func series(method: String, route: String, status: Int) -> Series {
            let key = Key(method: method, route: route, status: status)
            if let cached = entries.withLock({ $0[key] }) { return cached }
            let dimensions = [("method", method), ("route", route), ("status", String(status))]
            let series = Series(
                requests: Counter(label: "http_requests_total", dimensions: dimensions),
                duration: Metrics.Timer(label: "http_request_duration_seconds", dimensions: dimensions, preferredDisplayUnit: .seconds))
            entries.withLock { if $0.count < Self.capacity { $0[key] = series } }
            return series
        }
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
