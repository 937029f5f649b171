import Foundation
public import ServiceRuntime
import Yams

/// Reads the miner's YAML configuration file into flat settings keyed by path
/// (`coordinator.base_url`), the shape `ConfigurationReader` layers take.
public enum MinerYAML {
    /// Largest configuration file read (a config is a few KiB; this bounds a wrong path).
    public static let maxFileBytes = 1 << 20

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

    /// Flattened settings of the file at `path`.
    /// - Throws: `ConfigurationError.unreadableFile` when it cannot be read, is too large or is not a YAML mapping.
    public static func load(path: String) throws(ConfigurationError) -> [String: String] {
        try loadDocument(path: path).values
    }

    /// The file at `path` with its key lines.
    /// - Throws: `ConfigurationError.unreadableFile` when it cannot be read, is too large or is not a YAML mapping.
    public static func loadDocument(path: String) throws(ConfigurationError) -> Document {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw .unreadableFile(path: path, reason: error.localizedDescription)
        }
        guard data.count <= maxFileBytes else { throw .unreadableFile(path: path, reason: "larger than \(maxFileBytes) bytes") }
        return try parseDocument(String(decoding: data, as: UTF8.self), path: path)
    }

    /// Flattened settings of YAML `text`; nested mappings join keys with `.`, sequences become
    /// one item per line, nulls are absent.
    /// - Throws: `ConfigurationError.unreadableFile` (naming `path`) when it is not a YAML mapping.
    public static func parse(_ text: String, path: String = "<config>") throws(ConfigurationError) -> [String: String] {
        try parseDocument(text, path: path).values
    }

    /// `parse` plus the line of every key.
    /// - Throws: `ConfigurationError.unreadableFile` (naming `path`) when it is not a YAML mapping.
    public static func parseDocument(_ text: String, path: String = "<config>") throws(ConfigurationError) -> Document {
        let document: Any?
        let node: Node?
        do {
            document = try Yams.load(yaml: text)
            // Parsed a second time as nodes: only they carry the line marks of the keys.
            node = try Yams.compose(yaml: text)
        } catch {
            throw .unreadableFile(path: path, reason: "invalid YAML: \(error)")
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
