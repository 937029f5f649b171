import Glibc

/// `2025-01-01T00:00:00Z` (RFC 3339, UTC, whole seconds) through `gmtime_r`: Foundation's
/// `Calendar` and `ISO8601DateFormatter` load ICU, ~6 MB of resident pages the wallet daemon
/// paid for two timestamps (issue 15's idle-memory target, measured by WalletBench memory).
public enum UTCTimestamp {
    /// The text for `seconds` since 1970.
    public static func format(seconds: Int64) -> String {
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2))Z"
    }
}
