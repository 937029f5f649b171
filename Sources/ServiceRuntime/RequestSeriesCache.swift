import Metrics
import Synchronization

extension OperationalRoutes {
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
