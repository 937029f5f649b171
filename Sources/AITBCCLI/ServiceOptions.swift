public import ArgumentParser
import Foundation
import ServiceRuntime
import TerminalText

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The options every command that talks to a coordinator takes: where it is, which API key to
/// send, and whether to print JSON for scripts. The key itself is never an option (a command
/// line is visible to every user of the machine in `ps` and lands in shell history).
public struct ServiceOptions: ParsableArguments, Sendable {
    /// The default coordinator, when neither `--url` nor `AITBC_URL` names one.
    public static let defaultURL = "http://127.0.0.1:8011"
    /// The variable that holds the API key.
    public static let keyVariable = "AITBC_API_KEY"
    /// The variable that names the coordinator.
    public static let urlVariable = "AITBC_URL"
    /// Largest key file read: a key is short, anything larger is not a key file.
    static let maxKeyFileBytes = 4096

    /// The coordinator's base URL.
    @Option(
        name: .long,
        help: ArgumentHelp("Coordinator base URL (default: $AITBC_URL, else \(ServiceOptions.defaultURL)).", valueName: "url"))
    public var url: String?

    /// A file holding the API key.
    @Option(
        name: .customLong("key-file"),
        help: ArgumentHelp("Read the API key from FILE (a regular file of mode 0600) instead of $AITBC_API_KEY.", valueName: "file"))
    public var keyFile: String?

    /// Machine-readable output.
    @Flag(name: .long, help: "Print the service's answer as one line of JSON (its wire encoding) instead of a table.")
    public var json = false

    /// Creates the options with default values (ArgumentParser fills them in).
    public init() {}

    /// The base URL: `--url`, else `AITBC_URL`, else the default; checked to be
    /// `http://host[:port][/path]` (the client speaks plain HTTP only).
    /// - Throws: `ServiceFailure` (exit 2) naming what is wrong.
    /// - Parameter environment: the variables to read (default: the process's).
    public func baseURL(environment: [String: String]? = nil) throws(ServiceFailure) -> String {
        let environment = environment ?? ProcessInfo.processInfo.environment
        let (text, source) = url.map { ($0, "--url") } ?? environment[Self.urlVariable].map { ($0, Self.urlVariable) } ?? (Self.defaultURL, "--url")
        return try Self.checkedURL(text, source: source)
    }

    /// `text` when it is an `http://` URL with a host, no user information and a valid port;
    /// trailing `/` removed.
    /// - Throws: `ServiceFailure` (exit 2).
    static func checkedURL(_ text: String, source: String) throws(ServiceFailure) -> String {
        let shown = UntrustedText.displayURL(text)
        guard text.hasPrefix("http://") else {
            throw ServiceFailure(.usage, "\(source): \(shown) is not an http:// URL (the client speaks plain HTTP; TLS ends at a proxy)")
        }
        let rest = text.dropFirst("http://".count)
        let authority = rest.prefix { !"/?#".contains($0) }
        guard !authority.contains("@") else {
            throw ServiceFailure(.usage, "\(source): a URL with user information is refused (the API key goes in \(keyVariable) or --key-file)")
        }
        let host: Substring
        let isIPv6: Bool
        if authority.hasPrefix("["), let close = authority.firstIndex(of: "]") {
            host = authority[authority.index(after: authority.startIndex)..<close]
            isIPv6 = true
            let after = authority[authority.index(after: close)...]
            guard after.isEmpty || after.hasPrefix(":") else { throw ServiceFailure(.usage, "\(source): \(shown) has an invalid host") }
            try checkPort(after.dropFirst(), source: source, shown: shown)
        } else {
            let parts = authority.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            host = parts.first ?? ""
            isIPv6 = false
            if parts.count == 2 { try checkPort(parts[1], source: source, shown: shown) }
        }
        guard !host.isEmpty else { throw ServiceFailure(.usage, "\(source): \(shown) has no host") }
        // The HTTP client resolves no names (no DNS): what it can connect to is decided here.
        guard host == "localhost" || isNumericAddress(String(host), ipv6: isIPv6) else {
            throw ServiceFailure(.usage, "\(source): \(shown): the host must be an IP address or localhost (the client looks up no names)")
        }
        guard !rest.contains(where: { $0 == "?" || $0 == "#" }) else {
            throw ServiceFailure(.usage, "\(source): \(shown): a base URL has no query or fragment")
        }
        var checked = text
        while checked.hasSuffix("/") { checked.removeLast() }
        return checked
    }

    /// Whether `host` is a numeric IPv4 (or, in brackets, IPv6) address.
    private static func isNumericAddress(_ host: String, ipv6: Bool) -> Bool {
        var buffer = [UInt8](repeating: 0, count: 16)
        return buffer.withUnsafeMutableBytes { inet_pton(ipv6 ? AF_INET6 : AF_INET, host, $0.baseAddress) } == 1
    }

    private static func checkPort(_ port: Substring, source: String, shown: String) throws(ServiceFailure) {
        guard let number = Int(port), (1...65535).contains(number) else {
            throw ServiceFailure(.usage, "\(source): \(shown) has no valid port (1...65535)")
        }
    }

    /// The API key: from `--key-file` when given, else `AITBC_API_KEY`.
    /// - Throws: `ServiceFailure` (exit 2) when there is none, the file is not a regular file of
    ///   mode 0600 or holds no key. Messages never contain the key.
    /// - Parameter environment: the variables to read (default: the process's).
    public func apiKey(environment: [String: String]? = nil) throws(ServiceFailure) -> String {
        let environment = environment ?? ProcessInfo.processInfo.environment
        if let keyFile { return try Self.readKeyFile(keyFile) }
        guard let value = environment[Self.keyVariable] else {
            throw ServiceFailure(.usage, "no API key: set \(Self.keyVariable) or pass --key-file FILE (a file of mode 0600 holding the key)")
        }
        return try Self.checkedKey(value, source: Self.keyVariable)
    }

    /// The key in `text` without surrounding white space.
    /// - Throws: `ServiceFailure` (exit 2) when it is empty or not printable ASCII (a header value).
    static func checkedKey(_ text: String, source: String) throws(ServiceFailure) -> String {
        let key = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !key.isEmpty else { throw ServiceFailure(.usage, "\(source): holds no API key") }
        guard key.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }) else {
            throw ServiceFailure(.usage, "\(source): an API key is printable ASCII without spaces")
        }
        return key
    }

    /// Reads the key file: a regular file (not a link), readable by its owner only.
    /// - Throws: `ServiceFailure` (exit 2) naming the path, the mode and the fix.
    static func readKeyFile(_ path: String) throws(ServiceFailure) -> String {
        let shown = UntrustedText.display(path, limit: 256)
        let bytes = try OwnerOnlyFile.contents(
            path, option: "--key-file", noun: "the key", maxBytes: maxKeyFileBytes, tooLarge: "; it should hold one API key")
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw ServiceFailure(.usage, "--key-file \(shown): is not text")
        }
        return try checkedKey(text, source: "--key-file \(shown)")
    }
}
