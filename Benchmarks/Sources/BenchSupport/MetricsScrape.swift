public import HTTPClient

/// One scrape of a service's (shared by ChainBench and WalletBench) `GET /metrics` (Prometheus text format 0.0.4): every sample by its
/// series text, e.g. `gossip_dropped_total{topic="txs"}`.
public struct MetricsScrape: Sendable {
    /// Every sample by its series text.
    public var samples: [String: Double] = [:]

    /// Parses Prometheus text.
    public init(text: String) {
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
            samples[String(line[..<space])] = value
        }
    }

    /// No samples.
    public init() {}

    /// `GET <base>/metrics`; nil unless it answers 200.
    public static func fetch(_ base: String, client: HTTPClient) async -> MetricsScrape? {
        guard let response = try? await client.get(base + "/metrics"), response.status.code == 200 else { return nil }
        return MetricsScrape(text: response.text)
    }

    /// The sum of every series of `name` whose labels contain each of `labels` (`reason="slow"`).
    public func sum(_ name: String, _ labels: String...) -> Double {
        var total = 0.0
        for (series, value) in samples {
            let bare = series.prefix { $0 != "{" }
            guard bare == name, labels.allSatisfy({ series.contains($0) }) else { continue }
            total += value
        }
        return total
    }

    /// Non-zero series of `name` as `label=value: count` pairs, e.g. `reason="slow": 2`.
    public func nonZero(_ name: String) -> [String] {
        samples.filter { $0.key.prefix { $0 != "{" } == name && $0.value != 0 }
            .map { "\($0.key.drop { $0 != "{" }.dropFirst().dropLast()): \(Int($0.value))" }.sorted()
    }

    /// Cumulative bucket counts of histogram `name` (`le` → count), `+Inf` as infinity.
    public func buckets(_ name: String) -> [(le: Double, count: Double)] {
        var result: [(Double, Double)] = []
        for (series, value) in samples where series.hasPrefix(name + "_bucket{") {
            guard let range = series.range(of: #"le=""#) else { continue }
            let text = series[range.upperBound...].prefix { $0 != "\"" }
            let bound = text == "+Inf" ? Double.infinity : Double(text)
            if let bound { result.append((bound, value)) }
        }
        return result.sorted { $0.0 < $1.0 }
    }

    /// The `q` quantile of what histogram `name` recorded between `earlier` and this scrape,
    /// interpolated linearly inside its bucket (as PromQL's `histogram_quantile`), and the count.
    public func quantile(_ name: String, _ q: Double, since earlier: MetricsScrape) -> (value: Double, count: Int) {
        let before = Dictionary(earlier.buckets(name).map { ($0.le, $0.count) }) { first, _ in first }
        let delta = buckets(name).map { (le: $0.le, count: $0.count - (before[$0.le] ?? 0)) }
        guard let total = delta.last?.count, total > 0 else { return (.nan, 0) }
        let rank = q * total
        var lower = 0.0
        var below = 0.0
        for bucket in delta {
            if bucket.count >= rank {
                guard bucket.le.isFinite else { return (lower, Int(total)) }
                let inBucket = bucket.count - below
                let fraction = inBucket > 0 ? (rank - below) / inBucket : 1
                return (lower + (bucket.le - lower) * fraction, Int(total))
            }
            lower = bucket.le
            below = bucket.count
        }
        return (lower, Int(total))
    }
}
