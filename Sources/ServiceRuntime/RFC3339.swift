import Glibc

/// Wire timestamps (ARCHITECTURE.md: RFC 3339 UTC with `Z`), shared by log lines and every
/// service's JSON so the two can be joined on text.
public enum RFC3339 {
    /// `2026-01-01T00:00:00.123Z` for Unix milliseconds (negative values are before 1970).
    public static func format(milliseconds: Int64) -> String {
        let remainder = milliseconds % 1_000
        var seconds = time_t(milliseconds / 1_000 - (remainder < 0 ? 1 : 0))
        let millis = remainder < 0 ? remainder + 1_000 : remainder
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ value: Int, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(Int(parts.tm_year) + 1900, 4))-\(pad(Int(parts.tm_mon) + 1, 2))-\(pad(Int(parts.tm_mday), 2))T"
            + "\(pad(Int(parts.tm_hour), 2)):\(pad(Int(parts.tm_min), 2)):\(pad(Int(parts.tm_sec), 2)).\(pad(Int(millis), 3))Z"
    }
}
