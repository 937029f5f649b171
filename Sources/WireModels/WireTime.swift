public import JSON

/// A time on the wire: the text as sent (the coordinator sends RFC 3339 UTC with `Z`, e.g.
/// `2026-01-01T00:00:00.123Z`), kept as is so encoding gives back the same bytes, with the
/// instant it names. Decoding accepts ISO-8601 with or without a zone (zone-less means UTC,
/// the reference's form `2025-09-27T01:58:12.123456`, spec/sdk.md §5).
public struct WireTime: Hashable, Sendable, CustomStringConvertible {
    /// The text as on the wire.
    public let rawValue: String
    /// The instant, Unix milliseconds (fractions below a millisecond are dropped).
    public let unixMilliseconds: Int64

    /// The time `text` names, or nil when it is not `YYYY-MM-DDTHH:MM:SS[.fraction][Z|±HH:MM]`.
    public init?(_ text: String) {
        guard let milliseconds = Self.parse(Array(text.utf8)) else { return nil }
        rawValue = text
        unixMilliseconds = milliseconds
    }

    /// A time already formatted by the sender (the coordinator's `RFC3339.format`), for
    /// encoding; `unixMilliseconds` is the instant it was formatted from.
    public init(rawValue: String, unixMilliseconds: Int64) {
        self.rawValue = rawValue
        self.unixMilliseconds = unixMilliseconds
    }

    /// The time from a JSON member.
    /// - Throws: `WireDecodingError` `<field>: must be an ISO-8601 time`.
    public init(json value: JSONValue, field: String) throws(WireDecodingError) {
        guard let text = value.stringValue, let time = WireTime(text) else {
            throw WireDecodingError(field: field, reason: "must be an ISO-8601 time")
        }
        self = time
    }

    /// The text.
    public var description: String { rawValue }
    /// The time as a JSON string.
    public var json: JSONValue { .string(rawValue) }

    /// Equal when the texts are (two spellings of one instant encode differently).
    public static func == (lhs: WireTime, rhs: WireTime) -> Bool { lhs.rawValue == rhs.rawValue }
    /// Hashes the text.
    public func hash(into hasher: inout Hasher) { hasher.combine(rawValue) }

    /// Unix milliseconds of an ISO-8601 date-time, or nil.
    static func parse(_ bytes: [UInt8]) -> Int64? {
        var index = 0
        func digits(_ count: Int) -> Int64? {
            guard index + count <= bytes.count else { return nil }
            var value: Int64 = 0
            for byte in bytes[index..<index + count] {
                guard byte >= 0x30 && byte <= 0x39 else { return nil }
                value = value * 10 + Int64(byte - 0x30)
            }
            index += count
            return value
        }
        func expect(_ character: UInt8) -> Bool {
            guard index < bytes.count, bytes[index] == character else { return false }
            index += 1
            return true
        }
        guard let year = digits(4), expect(UInt8(ascii: "-")), let month = digits(2), expect(UInt8(ascii: "-")), let day = digits(2),
            index < bytes.count, bytes[index] == UInt8(ascii: "T") || bytes[index] == UInt8(ascii: "t") || bytes[index] == 0x20
        else { return nil }
        index += 1
        guard let hour = digits(2), expect(UInt8(ascii: ":")), let minute = digits(2), expect(UInt8(ascii: ":")), let second = digits(2),
            (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day), hour < 24, minute < 60, second < 61
        else { return nil }
        var milliseconds: Int64 = 0
        if expect(UInt8(ascii: ".")) {
            var places = 0
            while index < bytes.count, bytes[index] >= 0x30 && bytes[index] <= 0x39 {
                if places < 3 { milliseconds = milliseconds * 10 + Int64(bytes[index] - 0x30) }
                places += 1
                index += 1
            }
            guard places > 0 else { return nil }
            for _ in places..<max(places, 3) { milliseconds *= 10 }
        }
        var offsetMinutes: Int64 = 0
        if index < bytes.count {
            let sign = bytes[index]
            if sign == UInt8(ascii: "Z") || sign == UInt8(ascii: "z") {
                index += 1
            } else if sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
                index += 1
                guard let hours = digits(2), expect(UInt8(ascii: ":")), let minutes = digits(2), hours < 24, minutes < 60 else { return nil }
                offsetMinutes = (hours * 60 + minutes) * (sign == UInt8(ascii: "-") ? -1 : 1)
            } else {
                return nil
            }
        }
        guard index == bytes.count else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        let seconds = days * 86_400 + hour * 3_600 + minute * 60 + second - offsetMinutes * 60
        return seconds * 1_000 + milliseconds
    }

    /// Days in `month` of `year` (proleptic Gregorian).
    static func daysIn(month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days since 1970-01-01 (Howard Hinnant's `days_from_civil`).
    static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let shifted = month <= 2 ? year - 1 : year
        let era = (shifted >= 0 ? shifted : shifted - 399) / 400
        let yearOfEra = shifted - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
