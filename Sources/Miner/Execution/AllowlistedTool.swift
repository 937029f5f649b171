import Foundation
import ServiceRuntime
import Yams

/// One allowlisted tool, read from an `allowlist.d/*.yaml` file (spec/miner.md §6):
///
/// ```yaml
/// command: { path: "/usr/bin/ffmpeg" }
/// args:                 # [literal flag] | [flag, value-regex] | [value-regex]
///   - ["-y"]
///   - ["-i", ".+\\.(mp4|wav|mkv)$"]
/// max_total_args_len: 4096
/// max_runtime_s: 7200
/// max_output_mb: 5000
/// ```
///
/// Jobs name the tool by the file stem of `command.path` (`ffmpeg`), never by a path.
public struct AllowlistedTool: Sendable {
    /// One argument rule.
    public enum Rule: Sendable {
        /// A token equal to this flag.
        case literal(String)
        /// A token fully matching this regex (a single-element rule with metacharacters); never
        /// a token starting with `-` (flags are allowed only by name).
        case pattern(String)
        /// This flag followed by a value fully matching the regex.
        case flagValue(flag: String, value: String)
    }

    /// Name jobs use (`payload.command`).
    public var name: String
    /// Absolute path executed.
    public var path: String
    /// Argument rules, tried in order.
    public var rules: [Rule]
    /// Longest accepted sum of argument lengths in bytes.
    public var maxTotalArgsLength: Int
    /// Runtime cap in seconds, if the file sets one.
    public var maxRuntimeSeconds: Int?
    /// Output cap in MiB, if the file sets one.
    public var maxOutputMB: Int?
    /// Compiled regexes, by source text.
    let regexes: [String: NSRegularExpression]

    /// Characters that make a single-element rule a regex rather than a literal flag.
    static let metacharacters = Set("\\^$.|?*+()[]{}")

    /// Default for `max_total_args_len`.
    public static let defaultMaxTotalArgsLength = 4096
}

extension AllowlistedTool {
    /// Keys an allowlist file may contain; anything else is a typo worth failing on.
    static let knownKeys: Set<String> = ["command", "args", "max_total_args_len", "max_runtime_s", "max_output_mb", "name"]

    /// Reads and validates one allowlist file.
    /// - Throws: `AllowlistError` naming `file` when it is unreadable or invalid.
    public static func load(file: String) throws(AllowlistError) -> AllowlistedTool {
        let text: String
        do {
            text = try String(contentsOfFile: file, encoding: .utf8)
        } catch {
            throw AllowlistError(file: file, reason: "cannot read: \(SystemErrorText.reason(error))")
        }
        return try parse(text, file: file)
    }

    /// Validates the YAML text of an allowlist file.
    /// - Throws: `AllowlistError` naming `file`.
    public static func parse(_ text: String, file: String) throws(AllowlistError) -> AllowlistedTool {
        func fail(_ reason: String) -> AllowlistError { AllowlistError(file: file, reason: reason) }
        let document: Any?
        do {
            document = try Yams.load(yaml: text)
        } catch {
            throw fail("invalid YAML: \(error)")
        }
        guard let root = document as? [String: Any] else { throw fail("top level must be a mapping") }
        if let unknown = root.keys.filter({ !knownKeys.contains($0) }).sorted().first { throw fail("unknown key '\(unknown)'") }
        guard let command = root["command"] as? [String: Any], let path = command["path"] as? String else {
            throw fail("command.path is required")
        }
        guard path.hasPrefix("/"), !path.contains("/../"), !path.hasSuffix("/..") else { throw fail("command.path must be absolute") }
        let stem = (((path as NSString).lastPathComponent) as NSString).deletingPathExtension
        let name = (root["name"] as? String) ?? stem
        guard Self.isPlainName(name) else { throw fail("tool name '\(name)' is not a plain name") }

        var rules: [Rule] = []
        var regexes: [String: NSRegularExpression] = [:]
        func compile(_ source: String) throws(AllowlistError) {
            guard regexes[source] == nil else { return }
            do {
                regexes[source] = try NSRegularExpression(pattern: "\\A(?:\(source))\\z")
            } catch {
                throw fail("invalid regex '\(source)'")
            }
        }
        guard let entries = (root["args"] ?? [Any]()) as? [Any] else { throw fail("args must be a list") }
        for (index, entry) in entries.enumerated() {
            guard let parts = entry as? [Any], let strings = parts as? [String], (1...2).contains(strings.count) else {
                throw fail("args[\(index)] must be a list of one or two strings")
            }
            if strings.count == 2 {
                try compile(strings[1])
                rules.append(.flagValue(flag: strings[0], value: strings[1]))
            } else if strings[0].contains(where: { metacharacters.contains($0) }) {
                try compile(strings[0])
                rules.append(.pattern(strings[0]))
            } else {
                rules.append(.literal(strings[0]))
            }
        }
        func positive(_ key: String) throws(AllowlistError) -> Int? {
            guard let value = root[key] else { return nil }
            guard let number = value as? Int, number > 0 else { throw fail("\(key) must be a positive integer") }
            return number
        }
        return AllowlistedTool(
            name: name, path: path, rules: rules,
            maxTotalArgsLength: try positive("max_total_args_len") ?? defaultMaxTotalArgsLength,
            maxRuntimeSeconds: try positive("max_runtime_s"), maxOutputMB: try positive("max_output_mb"),
            regexes: regexes)
    }
}

extension AllowlistedTool {
    /// A tool name is one plain file name: `[A-Za-z0-9._-]{1,128}`, never `.` or `..`.
    static func isPlainName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard (1...128).contains(bytes.count), name != ".", name != ".." else { return false }
        return bytes.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"):
                true
            default: false
            }
        }
    }
}
