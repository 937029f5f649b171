import HTTP1
import FoundationEssentials
import Glibc

/// Parser for the optional `.env` file a daemon reads beside its environment.
///
/// Accepted lines: blank, `# comment`, `KEY=value`, `export KEY=value`, with the value
/// optionally in single quotes (taken literally) or double quotes (`\n`, `\"`, `\\`
/// escapes). No variable interpolation: a `.env` file is data, never a shell script.
public enum DotEnvFile {
    /// Largest `.env` file read, so a wrong path (a log, a device) fails fast.
    public static let maximumSize = 1 << 20

    /// Reads and parses the file at `path`.
    /// - Throws: `ConfigurationError.unreadableFile` or `.invalidDotEnvLine`.
    public static func load(path: String) throws(ConfigurationError) -> [String: String] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw .unreadableFile(path: path, reason: String(cString: strerror(errno)))
        }
        defer { close(descriptor) }
        // One byte past the limit tells a file that is too large from one that fits exactly.
        var bytes = [UInt8](repeating: 0, count: maximumSize + 1)
        var filled = 0
        while filled < bytes.count {
            let count = bytes.withUnsafeMutableBytes { raw in read(descriptor, raw.baseAddress.map { $0 + filled }, raw.count - filled) }
            if count == 0 { break }
            if count < 0 {
                if errno == EINTR { continue }
                throw .unreadableFile(path: path, reason: String(cString: strerror(errno)))
            }
            filled += count
        }
        guard filled <= maximumSize else {
            throw .unreadableFile(path: path, reason: "larger than \(maximumSize) bytes")
        }
        guard let text = String(validating: bytes[0..<filled], as: UTF8.self) else {
            throw .unreadableFile(path: path, reason: "not UTF-8")
        }
        return try parse(text, path: path)
    }

    /// Parses `.env` text; `path` only labels errors.
    /// - Throws: `ConfigurationError.invalidDotEnvLine` naming the line.
    public static func parse(_ text: String, path: String = ".env") throws(ConfigurationError) -> [String: String] {
        var values: [String: String] = [:]
        // "\r\n" is one Character in Swift, so splitting on "\n" alone left CRLF files as one line
        // ending in "\r" (APP_ENV=production\r slipped past the production checks).
        let lines = text.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" }
        for (index, rawLine) in lines.enumerated() {
            var line = Substring(rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine)
            line = line.drop(while: { $0 == " " || $0 == "\t" })
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("export ") { line = line.dropFirst("export ".count) }
            guard let equals = line.firstIndex(of: "=") else {
                throw .invalidDotEnvLine(path: path, line: index + 1, reason: "expected KEY=value")
            }
            let key = line[..<equals].trimmingWhitespace()
            guard isValidKey(key) else {
                throw .invalidDotEnvLine(path: path, line: index + 1, reason: "invalid variable name")
            }
            let rawValue = line[line.index(after: equals)...].trimmingWhitespace()
            guard let value = unquote(rawValue) else {
                throw .invalidDotEnvLine(path: path, line: index + 1, reason: "unterminated quote")
            }
            values[key] = value
        }
        return values
    }

    private static func isValidKey(_ key: String) -> Bool {
        guard let first = key.unicodeScalars.first, first == "_" || (first.isASCII && first.properties.isAlphabetic)
        else { return false }
        return key.unicodeScalars.allSatisfy { $0 == "_" || ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) }
    }

    /// Returns the value with quotes removed, or nil when a quote is left open or
    /// something other than a comment follows the closing quote.
    private static func unquote(_ value: String) -> String? {
        guard let quote = value.first, quote == "'" || quote == "\"" else {
            // Unquoted: a trailing ` # comment` is not part of the value.
            if let hash = value.firstRange(of: " #") {
                return String(value[..<hash.lowerBound]).trimmingWhitespace()
            }
            return value
        }
        var result = ""
        var escaping = false
        var closed = false
        var rest = ""
        for character in value.dropFirst() {
            if closed {
                rest.append(character)
            } else if escaping {
                switch character {
                case "n": result.append("\n")
                case "t": result.append("\t")
                default: result.append(character)
                }
                escaping = false
            } else if character == "\\" && quote == "\"" {
                escaping = true
            } else if character == quote {
                closed = true
            } else {
                result.append(character)
            }
        }
        let tail = rest.trimmingWhitespace()
        guard closed, tail.isEmpty || tail.hasPrefix("#") else { return nil }
        return result
    }
}
