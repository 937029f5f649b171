/// Formats `Date` field values as IMF-fixdate (RFC 9110 §5.6.7) without Foundation.
public enum HTTPDate {
    /// `Sun, 06 Nov 1994 08:49:37 GMT` for seconds since the Unix epoch.
    public static func format(epochSeconds: Int) -> String {
        String(decoding: bytes(epochSeconds: epochSeconds), as: UTF8.self)
    }

    /// The same text as bytes, ready to append to a response.
    public static func bytes(epochSeconds: Int) -> [UInt8] {
        let days = epochSeconds >= 0 ? epochSeconds / 86_400 : (epochSeconds - 86_399) / 86_400
        let secondsOfDay = epochSeconds - days * 86_400
        // 1970-01-01 was a Thursday.
        let weekday = ((days % 7) + 7 + 4) % 7
        let (year, month, day) = civilFromDays(days)
        let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        var out: [UInt8] = []
        out.reserveCapacity(29)
        out.append(contentsOf: weekdays[weekday].utf8)
        out.append(contentsOf: ", ".utf8)
        appendTwoDigits(day, to: &out)
        out.append(.space)
        out.append(contentsOf: months[month - 1].utf8)
        out.append(.space)
        HTTPResponseSerializer.appendDecimal(year, to: &out)
        out.append(.space)
        appendTwoDigits(secondsOfDay / 3600, to: &out)
        out.append(.colon)
        appendTwoDigits(secondsOfDay / 60 % 60, to: &out)
        out.append(.colon)
        appendTwoDigits(secondsOfDay % 60, to: &out)
        out.append(contentsOf: " GMT".utf8)
        return out
    }

    static func appendTwoDigits(_ value: Int, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "0") + UInt8(truncatingIfNeeded: value / 10 % 10))
        out.append(UInt8(ascii: "0") + UInt8(truncatingIfNeeded: value % 10))
    }

    /// Howard Hinnant's days-to-civil algorithm (proleptic Gregorian).
    static func civilFromDays(_ days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }
}
