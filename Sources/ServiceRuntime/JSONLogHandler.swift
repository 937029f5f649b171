import Foundation
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
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }

        var line = "{\"ts\":"
        JSONLogHandler.appendString(JSONLogHandler.timestamp(Date()), to: &line)
        line += ",\"level\":"
        JSONLogHandler.appendString(event.level.rawValue, to: &line)
        line += ",\"service\":"
        JSONLogHandler.appendString(service, to: &line)
        line += ",\"logger\":"
        JSONLogHandler.appendString(label, to: &line)
        line += ",\"event\":"
        JSONLogHandler.appendString(event.message.description, to: &line)
        if let requestID = merged.removeValue(forKey: "request.id") ?? merged.removeValue(forKey: "request_id") {
            line += ",\"request_id\":"
            JSONLogHandler.appendValue(requestID, key: "request_id", to: &line)
        }
        if let error = event.error {
            line += ",\"error\":"
            JSONLogHandler.appendString(String(describing: error), to: &line)
        }
        for key in merged.keys.sorted() where !["ts", "level", "service", "logger", "event"].contains(key) {
            guard let value = merged[key] else { continue }
            line += ","
            JSONLogHandler.appendString(key, to: &line)
            line += ":"
            JSONLogHandler.appendValue(value, key: key, to: &line)
        }
        line += "}\n"
        sink(Array(line.utf8))
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

    private static func appendValue(_ value: Logger.MetadataValue, key: String, to line: inout String) {
        if isSecretKey(key) {
            appendString("[redacted]", to: &line)
            return
        }
        switch value {
        case .string(let text): appendString(text, to: &line)
        case .stringConvertible(let convertible): appendString(convertible.description, to: &line)
        case .array(let values):
            line += "["
            for (index, element) in values.enumerated() {
                if index > 0 { line += "," }
                appendValue(element, key: key, to: &line)
            }
            line += "]"
        case .dictionary(let members):
            line += "{"
            for (index, name) in members.keys.sorted().enumerated() {
                guard let member = members[name] else { continue }
                if index > 0 { line += "," }
                appendString(name, to: &line)
                line += ":"
                appendValue(member, key: name, to: &line)
            }
            line += "}"
        }
    }

    /// Appends `text` as a JSON string (RFC 8259 §7), escaping controls so a log line
    /// stays one line whatever a client sent.
    static func appendString(_ text: String, to line: inout String) {
        line += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": line += "\\\""
            case "\\": line += "\\\\"
            case "\n": line += "\\n"
            case "\r": line += "\\r"
            case "\t": line += "\\t"
            case "\u{00}"..."\u{1F}", "\u{7F}", "\u{2028}", "\u{2029}":
                line += "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count)
                    + String(scalar.value, radix: 16)
            default: line.unicodeScalars.append(scalar)
            }
        }
        line += "\""
    }

    /// RFC 3339 UTC with milliseconds, e.g. `2026-11-27T12:00:00.123Z`.
    static func timestamp(_ date: Date) -> String {
        RFC3339.format(milliseconds: Int64((date.timeIntervalSince1970 * 1000).rounded(.down)))
    }

    /// Writes each line to standard output with one `write(2)`, retrying short writes.
    public static let standardOutput: Sink = { bytes in
        standardOutputLock.withLock { _ in
            bytes.withUnsafeBytes { buffer in
                var offset = 0
                while offset < buffer.count, let base = buffer.baseAddress {
                    let written = write(STDOUT_FILENO, base + offset, buffer.count - offset)
                    if written < 0 {
                        if errno == EINTR { continue }
                        return
                    }
                    offset += written
                }
            }
        }
    }

    private static let standardOutputLock = Mutex(())
}
