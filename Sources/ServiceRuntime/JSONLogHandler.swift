import FoundationEssentials
import Glibc
public import Logging
import Synchronization

/// A swift-log backend writing one JSON object per line:
/// `{"ts","level","service","event","request_id",...fields}`.
///
/// Metadata keys that look like secrets (see `redactedKeys`) are written as `"[redacted]"`,
/// so a handler that logs a whole header map or config cannot leak a key.
public struct JSONLogHandler: LogHandler {
    /// Where finished lines go; one call per line so concurrent loggers never interleave.
    public typealias Sink = @Sendable ([UInt8]) -> Void

    /// Metadata keys (lowercased, substring match) whose values are never written.
    public static let redactedKeys = [
        "api_key", "api-key", "apikey", "authorization", "password", "secret", "private_key", "seed", "token", "signing_key",
    ]

    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    public var logLevel: Logger.Level
    private let service: String
    private let label: String
    private let sink: Sink

    /// A handler for `label` in `service`, writing to `sink` (standard output by default).
    public init(label: String, service: String, level: Logger.Level = .info, sink: @escaping Sink = JSONLogHandler.standardOutput) {
        self.label = label
        self.service = service
        self.logLevel = level
        self.sink = sink
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        // Built as UTF-8 bytes, not a String: a busy daemon writes several lines per request
        // (docs/benchmarks.md, issue 4), and appending scalar by scalar to a String was most
        // of a line's cost.
        var line: [UInt8] = []
        line.reserveCapacity(320)
        line.append(contentsOf: "{\"ts\":\"".utf8)
        JSONLogHandler.appendTimestamp(to: &line)
        line.append(contentsOf: "\",\"level\":".utf8)
        JSONLogHandler.appendString(event.level.rawValue, to: &line)
        line.append(contentsOf: ",\"service\":".utf8)
        JSONLogHandler.appendString(service, to: &line)
        line.append(contentsOf: ",\"logger\":".utf8)
        JSONLogHandler.appendString(label, to: &line)
        line.append(contentsOf: ",\"event\":".utf8)
        JSONLogHandler.appendString(event.message.description, to: &line)

        // Later sources win: handler metadata, then the provider's, then the event's. Collected
        // into one small array rather than a merged dictionary: a line has a handful of keys,
        // and copying, merging and rehashing a dictionary per line cost more than the search.
        var entries: [(key: String, value: Logger.MetadataValue)] = []
        let provided = metadataProvider?.get()
        let keyCount = metadata.count + (provided?.count ?? 0) + (event.metadata?.count ?? 0)
        entries.reserveCapacity(keyCount)
        func add(_ source: Logger.Metadata) {
            for (key, value) in source {
                if let index = entries.firstIndex(where: { $0.key == key }) {
                    entries[index].value = value
                } else {
                    entries.append((key, value))
                }
            }
        }
        if keyCount <= 32 {
            add(metadata)
            if let provided { add(provided) }
            if let extra = event.metadata { add(extra) }
        } else {
            // Many keys: a dictionary keeps the merge linear.
            var merged = metadata
            if let provided { merged.merge(provided) { _, new in new } }
            if let extra = event.metadata { merged.merge(extra) { _, new in new } }
            entries = merged.map { ($0.key, $0.value) }
        }
        // `request.id` (the HTTP server's key) wins over `request_id`, which then stays an ordinary field.
        let requestIDIndex = entries.firstIndex { $0.key == "request.id" } ?? entries.firstIndex { $0.key == "request_id" }
        if let requestIDIndex {
            let requestID = entries.remove(at: requestIDIndex).value
            line.append(contentsOf: ",\"request_id\":".utf8)
            JSONLogHandler.appendValue(requestID, key: "request_id", to: &line)
        }
        if let error = event.error {
            line.append(contentsOf: ",\"error\":".utf8)
            JSONLogHandler.appendString(String(describing: error), to: &line)
        }
        entries.sort { $0.key < $1.key }
        for (key, value) in entries where !JSONLogHandler.isReservedKey(key) {
            line.append(UInt8(ascii: ","))
            JSONLogHandler.appendString(key, to: &line)
            line.append(UInt8(ascii: ":"))
            JSONLogHandler.appendValue(value, key: key, to: &line)
        }
        line.append(contentsOf: "}\n".utf8)
        sink(line)
    }

    /// The fixed fields a metadata key may not overwrite.
    private static func isReservedKey(_ key: String) -> Bool {
        switch key {
        case "ts", "level", "service", "logger", "event": return true
        default: return false
        }
    }

    /// Whether values under `key` must never be written.
    ///
    /// Runs for every metadata key of every line, so it compares ASCII-lowercased UTF-8 bytes
    /// directly instead of going through `String.lowercased()` and Foundation's `contains`
    /// (profiled at ~10 % of a busy coordinator's CPU).
    public static func isSecretKey(_ key: String) -> Bool {
        var bytes = Array(key.utf8)
        for index in bytes.indices where bytes[index] >= 0x41 && bytes[index] <= 0x5A { bytes[index] |= 0x20 }
        return redactedKeyBytes.contains { needle in
            guard needle.count <= bytes.count else { return false }
            for start in 0...(bytes.count - needle.count) where bytes[start] == needle[0] {
                if bytes[start..<(start + needle.count)].elementsEqual(needle) { return true }
            }
            return false
        }
    }

    private static let redactedKeyBytes = redactedKeys.map { Array($0.utf8) }

    private static func appendValue(_ value: Logger.MetadataValue, key: String, to line: inout [UInt8]) {
        if isSecretKey(key) {
            appendString("[redacted]", to: &line)
            return
        }
        switch value {
        case .string(let text): appendString(text, to: &line)
        case .stringConvertible(let convertible): appendString(convertible.description, to: &line)
        case .array(let values):
            line.append(UInt8(ascii: "["))
            for (index, element) in values.enumerated() {
                if index > 0 { line.append(UInt8(ascii: ",")) }
                appendValue(element, key: key, to: &line)
            }
            line.append(UInt8(ascii: "]"))
        case .dictionary(let members):
            line.append(UInt8(ascii: "{"))
            for (index, name) in members.keys.sorted().enumerated() {
                guard let member = members[name] else { continue }
                if index > 0 { line.append(UInt8(ascii: ",")) }
                appendString(name, to: &line)
                line.append(UInt8(ascii: ":"))
                appendValue(member, key: name, to: &line)
            }
            line.append(UInt8(ascii: "}"))
        }
    }

    /// Appends `text` as a JSON string (RFC 8259 §7), escaping controls so a log line
    /// stays one line whatever a client sent. Runs of bytes that need no escape are copied
    /// in one append; U+2028/U+2029 (E2 80 A8/A9 in UTF-8) are escaped too, for JavaScript readers.
    static func appendString(_ text: String, to line: inout [UInt8]) {
        line.append(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { bytes in
            var runStart = 0
            var index = 0
            while index < bytes.count {
                let byte = bytes[index]
                let escape: [UInt8]?
                var width = 1
                switch byte {
                case UInt8(ascii: "\""): escape = Array("\\\"".utf8)
                case UInt8(ascii: "\\"): escape = Array("\\\\".utf8)
                case 0x0A: escape = Array("\\n".utf8)
                case 0x0D: escape = Array("\\r".utf8)
                case 0x09: escape = Array("\\t".utf8)
                case 0x00...0x1F, 0x7F: escape = unicodeEscape(UInt32(byte))
                case 0xE2 where index + 2 < bytes.count && bytes[index + 1] == 0x80
                    && (bytes[index + 2] == 0xA8 || bytes[index + 2] == 0xA9):
                    escape = unicodeEscape(bytes[index + 2] == 0xA8 ? 0x2028 : 0x2029)
                    width = 3
                default: escape = nil
                }
                if let escape {
                    line.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
                    line.append(contentsOf: escape)
                    index += width
                    runStart = index
                } else {
                    index += 1
                }
            }
            line.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<bytes.count]))
        }
        line.append(UInt8(ascii: "\""))
    }

    /// `\uXXXX` with lowercase hex digits.
    private static func unicodeEscape(_ value: UInt32) -> [UInt8] {
        let digits = Array("0123456789abcdef".utf8)
        var escape = Array("\\u".utf8)
        for shift in stride(from: 12, through: 0, by: -4) { escape.append(digits[Int((value >> UInt32(shift)) & 0xF)]) }
        return escape
    }

    /// The current time in RFC 3339 UTC with milliseconds, e.g. `2026-11-27T12:00:00.123Z`
    /// (as `RFC3339.format(milliseconds:)`), without Foundation's `Date` or interim strings.
    static func appendTimestamp(to line: inout [UInt8]) {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var seconds = now.tv_sec
        let millis = Int(now.tv_nsec / 1_000_000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func digits(_ value: Int, _ width: Int) {
            var divisor = 1
            for _ in 1..<width { divisor *= 10 }
            while value / divisor >= 10 { divisor *= 10 }  // a five-digit year keeps all digits
            var value = value
            while divisor > 0 {
                line.append(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: (value / divisor) % 10))
                value %= divisor
                divisor /= 10
            }
        }
        digits(Int(parts.tm_year) + 1900, 4)
        line.append(UInt8(ascii: "-"))
        digits(Int(parts.tm_mon) + 1, 2)
        line.append(UInt8(ascii: "-"))
        digits(Int(parts.tm_mday), 2)
        line.append(UInt8(ascii: "T"))
        digits(Int(parts.tm_hour), 2)
        line.append(UInt8(ascii: ":"))
        digits(Int(parts.tm_min), 2)
        line.append(UInt8(ascii: ":"))
        digits(Int(parts.tm_sec), 2)
        line.append(UInt8(ascii: "."))
        digits(millis, 3)
        line.append(UInt8(ascii: "Z"))
    }

    /// Writes each line to standard output, whole (short writes are retried), in call order.
    ///
    /// Lines never interleave and no caller waits on another's `write(2)`: the first caller
    /// writes; lines logged meanwhile by other threads are queued, and that writer writes them
    /// too, several per `write(2)`, before it returns. A line is written before its `log` call
    /// returns, or by a `log` call already inside `write(2)`, never later by a timer.
    public static let standardOutput: Sink = { bytes in standardOutputWriter.write(bytes) }

    private static let standardOutputWriter = CombiningWriter(fd: STDOUT_FILENO)
}
