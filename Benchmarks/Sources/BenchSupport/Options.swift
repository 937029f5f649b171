/// Command-line options as `--name value` pairs and bare `--flag`s (every bench tool's).
public struct Options: Sendable {
    /// The arguments after the mode.
    public let values: [String]

    /// Options over `values`.
    public init(values: [String]) { self.values = values }

    /// The value after `--name`.
    public func string(_ name: String) -> String? {
        guard let index = values.firstIndex(of: "--\(name)"), index + 1 < values.count else { return nil }
        return values[index + 1]
    }

    /// An integer (`_` separators allowed), else `fallback`; fails the run on another value.
    public func int(_ name: String, default fallback: Int) -> Int {
        guard let text = string(name) else { return fallback }
        guard let value = Int(text.replacingOccurrences(of: "_", with: "")) else { Bench.fail("--\(name) must be an integer, got \(text)") }
        return value
    }

    /// A number, or nil when absent; fails the run on another value.
    public func double(_ name: String) -> Double? {
        guard let text = string(name) else { return nil }
        guard let value = Double(text) else { Bench.fail("--\(name) must be a number, got \(text)") }
        return value
    }

    /// The value of `--name`; fails the run without it.
    public func required(_ name: String) -> String {
        guard let value = string(name) else { Bench.fail("--\(name) is required") }
        return value
    }

    /// Whether the bare `--name` is given.
    public func flag(_ name: String) -> Bool { values.contains("--\(name)") }
}
