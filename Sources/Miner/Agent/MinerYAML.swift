// libyaml itself (Yams' C target): its event parser sees anchors and aliases before anything
// expands them, which Yams' composer and constructor do not offer.
import CYaml
import Foundation
public import ServiceRuntime
import Yams
import TerminalText

/// Reads the miner's YAML configuration file into flat settings keyed by path
/// (`coordinator.base_url`), the shape `ConfigurationReader` layers take.
public enum MinerYAML {
    /// Largest configuration file read (a config is a few KiB; this bounds a wrong path).
    public static let maxFileBytes = 1 << 20
    /// Most YAML nodes (scalars, sequences, mappings) in a file.
    public static let maxNodes = 100_000

    /// A parsed file: the flat settings and where each key was written.
    public struct Document: Sendable, Equatable {
        /// Settings keyed by path; sequences are one item per line, nulls are absent.
        public var values: [String: String]
        /// The 1-based line of every key in the file, sections included (`heartbeat`,
        /// `heartbeat.interval_s`), so an unknown key can be reported where it was written.
        public var lines: [String: Int]
        /// The file the document came from (for messages).
        public var path: String
    }

    /// The file at `path` with its key lines.
    /// - Throws: `ConfigurationError.unreadableFile` when it cannot be read, is too large or is not a YAML mapping.
    public static func loadDocument(path: String) throws(ConfigurationError) -> Document {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw .unreadableFile(path: path, reason: SystemErrorText.reason(error))
        }
        guard data.count <= maxFileBytes else { throw .unreadableFile(path: path, reason: "larger than \(maxFileBytes) bytes") }
        return try parseDocument(String(decoding: data, as: UTF8.self), path: path)
    }

    /// Flattened settings of YAML `text` (nested mappings join keys with `.`, sequences become
    /// one item per line, nulls are absent) and the line of every key.
    /// - Throws: `ConfigurationError.invalid` (naming `path`, line and column, never the document's
    ///   text) when it is not YAML, uses anchors or aliases, has more than `maxNodes` nodes or a
    ///   duplicate key; `.unreadableFile` when it is not a mapping.
    public static func parseDocument(_ text: String, path: String = "<config>") throws(ConfigurationError) -> Document {
        // Before Yams sees it: an alias expands to a copy of its anchor, so ten nested levels of
        // ten aliases are 10^10 nodes; Yams' own errors quote the document (secrets included).
        try checkEvents(text, path: path)
        let document: Any?
        let node: Node?
        do {
            document = try Yams.load(yaml: text)
            // Parsed a second time as nodes: only they carry the line marks of the keys.
            node = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw .invalid(setting: path, reason: describe(error, in: text))
        } catch {
            throw .invalid(setting: path, reason: "invalid YAML")
        }
        guard let document else { return Document(values: [:], lines: [:], path: path) }
        guard let mapping = document as? [String: Any] else {
            throw .unreadableFile(path: path, reason: "top level must be a mapping")
        }
        var flat: [String: String] = [:]
        try flatten(mapping, prefix: "", into: &flat, path: path)
        var lines: [String: Int] = [:]
        if let node { collectLines(node, prefix: "", into: &lines) }
        return Document(values: flat, lines: lines, path: path)
    }

    /// Runs libyaml's event parser over `text`: refuses syntax errors, anchors, aliases and more
    /// than `maxNodes` nodes, naming the line and column only.
    static func checkEvents(_ text: String, path: String) throws(ConfigurationError) {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty else { return }
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { throw .invalid(setting: path, reason: "cannot start the YAML parser") }
        defer { yaml_parser_delete(&parser) }
        let problem: String? = bytes.withUnsafeBufferPointer { buffer in
            yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING)
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            var nodes = 0
            while true {
                var event = yaml_event_t()
                guard yaml_parser_parse(&parser, &event) == 1 else {
                    let problem = parser.problem.map { String(cString: $0) } ?? "invalid YAML"
                    return at(parser.problem_mark, UntrustedText.display(problem, limit: 200))
                }
                defer { yaml_event_delete(&event) }
                let anchor: UnsafeMutablePointer<yaml_char_t>?
                switch event.type {
                case YAML_STREAM_END_EVENT: return nil
                case YAML_ALIAS_EVENT: anchor = event.data.alias.anchor
                case YAML_SCALAR_EVENT: anchor = event.data.scalar.anchor
                case YAML_SEQUENCE_START_EVENT: anchor = event.data.sequence_start.anchor
                case YAML_MAPPING_START_EVENT: anchor = event.data.mapping_start.anchor
                default: continue
                }
                if anchor != nil || event.type == YAML_ALIAS_EVENT {
                    return at(event.start_mark, "YAML anchors and aliases are not supported in miner configuration")
                }
                nodes += 1
                if nodes > maxNodes { return at(event.start_mark, "more than \(maxNodes) YAML nodes") }
            }
        }
        if let problem { throw .invalid(setting: path, reason: problem) }
    }

    /// `line L column C: problem` (libyaml marks count from 0).
    private static func at(_ mark: yaml_mark_t, _ problem: String) -> String {
        "line \(mark.line + 1) column \(mark.column + 1): \(problem)"
    }

    /// What went wrong and where, without the text Yams quotes from the document.
    static func describe(_ error: YamlError, in text: String) -> String {
        func at(_ mark: Mark, _ problem: String) -> String {
            "line \(mark.line) column \(mark.column): \(UntrustedText.display(problem, limit: 200))"
        }
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
            return at(mark, problem)
        case .duplicatedKeysInMapping(let duplicates, let context):
            let names = duplicates.sorted().map { "'\(UntrustedText.display($0))'" }.joined(separator: ", ")
            return at(context.mark, "duplicate key \(names)")
        case .reader(let problem, let offset, _, _):
            let line = offset.map { offset in 1 + text.prefix(offset).reduce(0) { $1 == "\n" ? $0 + 1 : $0 } }
            return line.map { "line \($0): \(UntrustedText.display(problem, limit: 200))" } ?? UntrustedText.display(problem, limit: 200)
        default:
            return "invalid YAML"
        }
    }

    private static func collectLines(_ node: Node, prefix: String, into lines: inout [String: Int]) {
        guard case .mapping(let mapping) = node else { return }
        for (key, value) in mapping {
            guard let name = key.string else { continue }
            let full = prefix.isEmpty ? name : "\(prefix).\(name)"
            if let line = key.mark?.line, lines[full] == nil { lines[full] = line }
            collectLines(value, prefix: full, into: &lines)
        }
    }

    private static func flatten(_ mapping: [String: Any], prefix: String, into flat: inout [String: String], path: String)
        throws(ConfigurationError)
    {
        for (key, value) in mapping {
            let name = prefix.isEmpty ? key : "\(prefix).\(key)"
            if let nested = value as? [String: Any] {
                try flatten(nested, prefix: name, into: &flat, path: path)
            } else if let items = value as? [Any] {
                var lines: [String] = []
                for item in items {
                    guard let scalar = scalarText(item) else {
                        throw .unreadableFile(path: path, reason: "\(name): list items must be scalars")
                    }
                    lines.append(scalar)
                }
                flat[name] = lines.joined(separator: "\n")
            } else if let scalar = scalarText(value) {
                flat[name] = scalar
            }
        }
    }

    private static func scalarText(_ value: Any) -> String? {
        switch value {
        case let text as String: text
        case let flag as Bool: flag ? "true" : "false"
        case let number as Int: String(number)
        case let number as Double: String(number)
        default: nil
        }
    }
}
