import Foundation
public import ServiceRuntime
import Yams

/// Reads the miner's YAML configuration file into flat settings keyed by path
/// (`coordinator.base_url`), the shape `ConfigurationReader` layers take.
public enum MinerYAML {
    /// Largest configuration file read (a config is a few KiB; this bounds a wrong path).
    public static let maxFileBytes = 1 << 20

    /// Flattened settings of the file at `path`.
    /// - Throws: `ConfigurationError.unreadableFile` when it cannot be read, is too large or is not a YAML mapping.
    public static func load(path: String) throws(ConfigurationError) -> [String: String] {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw .unreadableFile(path: path, reason: error.localizedDescription)
        }
        guard data.count <= maxFileBytes else { throw .unreadableFile(path: path, reason: "larger than \(maxFileBytes) bytes") }
        return try parse(String(decoding: data, as: UTF8.self), path: path)
    }

    /// Flattened settings of YAML `text`; nested mappings join keys with `.`, sequences become
    /// one item per line, nulls are absent.
    /// - Throws: `ConfigurationError.unreadableFile` (naming `path`) when it is not a YAML mapping.
    public static func parse(_ text: String, path: String = "<config>") throws(ConfigurationError) -> [String: String] {
        let document: Any?
        do {
            document = try Yams.load(yaml: text)
        } catch {
            throw .unreadableFile(path: path, reason: "invalid YAML: \(error)")
        }
        guard let document else { return [:] }
        guard let mapping = document as? [String: Any] else {
            throw .unreadableFile(path: path, reason: "top level must be a mapping")
        }
        var flat: [String: String] = [:]
        try flatten(mapping, prefix: "", into: &flat, path: path)
        return flat
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
