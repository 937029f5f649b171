/// The SDK's retry rules (spec/sdk.md §5 "Retry"), pure so they are tested without a network.
///
/// * transport failures, 429, 502, 503 and 504 are retried;
/// * 500 only for GET (a POST that failed inside the server may have taken effect);
/// * `POST /v1/jobs` only when it carries an `Idempotency-Key` (the request says so by
///   `isRetryable`), every other 4xx never.
///
/// The wait before retry n is full jitter — uniform in `0…min(backoffMax, backoffBase · 2ⁿ⁻¹)` —
/// unless the answer carried `Retry-After` (seconds or an HTTP date), which is honoured up to
/// `backoffMax`.
public enum RetryPolicy {
    /// Whether an attempt that ended with HTTP `status` is retried.
    public static func retries(status: Int, isGET: Bool) -> Bool {
        switch status {
        case 429, 502, 503, 504: true
        case 500: isGET
        default: false
        }
    }

    /// The wait before the retry that follows attempt `attempt` (1-based).
    /// - Parameters:
    ///   - retryAfter: the answer's `Retry-After` value, if any.
    ///   - now: seconds since 1970, to read an HTTP-date `Retry-After`.
    ///   - jitter: a uniform number in `0..<1`.
    public static func delay(
        afterAttempt attempt: Int, retryAfter: String?, base: Duration, cap: Duration, now: Double, jitter: Double
    ) -> Duration {
        if let retryAfter, let wait = retryAfterSeconds(retryAfter, now: now) {
            return min(.milliseconds(Int64((wait * 1000).rounded(.up))), cap)
        }
        let exponent = min(max(attempt - 1, 0), 30)
        let ceiling = min(base * (1 << exponent), cap)
        let factor = jitter.isFinite ? min(max(jitter, 0), 1) : 0
        return ceiling * factor
    }

    /// `Retry-After` (RFC 9110 §10.2.3) in seconds from `now`: a non-negative integer, or an
    /// IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`); a date in the past is 0. Nil when unreadable.
    public static func retryAfterSeconds(_ value: String, now: Double) -> Double? {
        let text = value.trimmed(of: " \t")
        if !text.isEmpty, text.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) {
            // Ten digits are already centuries: anything longer is capped anyway.
            return Double(text.prefix(10)) ?? nil
        }
        guard let date = httpDate(text) else { return nil }
        return max(0, date - now)
    }

    /// Seconds since 1970 of an IMF-fixdate, the form RFC 9110 §5.6.7 requires senders to use.
    static func httpDate(_ text: String) -> Double? {
        // "Sun, 06 Nov 1994 08:49:37 GMT"
        let parts = text.split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count == 6, parts[0].hasSuffix(","), parts[5] == "GMT" else { return nil }
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        guard let day = Int(parts[1]), (1...31).contains(day), let monthIndex = months.firstIndex(of: String(parts[2])),
            let year = Int(parts[3]), (1970...9999).contains(year)
        else { return nil }
        let clock = parts[4].split(separator: ":")
        guard clock.count == 3, let hour = Int(clock[0]), let minute = Int(clock[1]), let second = Int(clock[2]),
            (0...23).contains(hour), (0...59).contains(minute), (0...60).contains(second)
        else { return nil }
        let days = daysFromCivil(year: year, month: monthIndex + 1, day: day)
        return Double(days * 86_400 + hour * 3_600 + minute * 60 + second)
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}

extension String {
    /// Without leading and trailing characters of `set` (Foundation-free).
    func trimmed(of set: String) -> String {
        var scalars = Substring(self)
        while let first = scalars.first, set.contains(first) { scalars.removeFirst() }
        while let last = scalars.last, set.contains(last) { scalars.removeLast() }
        return String(scalars)
    }
}
