import CoreMetrics
public import Prometheus
import Synchronization

/// The process-wide Prometheus registry behind swift-metrics.
///
/// `MetricsSystem.bootstrap` may run once per process; `bootstrap()` makes that safe to call
/// from every daemon's start-up and from tests, and always returns the same registry.
public enum MetricsRuntime {
    private static let state = Mutex<PrometheusCollectorRegistry?>(nil)

    /// Installs the Prometheus backend on first call and returns the registry it renders from.
    @discardableResult
    public static func bootstrap() -> PrometheusCollectorRegistry {
        state.withLock { registry in
            if let registry { return registry }
            let created = PrometheusCollectorRegistry()
            MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: created))
            registry = created
            return created
        }
    }

    /// The Prometheus text exposition (version 0.0.4) of every metric recorded so far.
    public static func render() -> [UInt8] {
        bootstrap().emitToBuffer()
    }

    /// Content type for `GET /metrics`.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"
}
