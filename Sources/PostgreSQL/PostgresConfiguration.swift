/// Where and how to connect, usually parsed from a URL:
/// `postgresql://user:password@host:port/database?connect_timeout=10&sslmode=prefer&application_name=x`.
///
/// `description` shows the URL with the password replaced by `***`; nothing in this module
/// prints or logs the password.
public struct PostgresConfiguration: Sendable, Equatable, CustomStringConvertible {
    /// Host name or address; a value starting with `/` is a unix-socket directory.
    public var host: String
    /// TCP port (also names the unix socket file).
    public var port: Int
    /// Role to log in as.
    public var user: String
    /// Password, if the server asks for one.
    public var password: String?
    /// Database name.
    public var database: String
    /// Seconds libpq waits for each connection attempt (libpq's `connect_timeout`; it rounds
    /// values below 2 up to 2).
    public var connectTimeoutSeconds: Int
    /// libpq `sslmode` (`disable`, `allow`, `prefer`, `require`, `verify-ca`, `verify-full`); nil = libpq's default.
    public var sslMode: String?
    /// Shown in `pg_stat_activity`.
    public var applicationName: String

    /// The connect timeout when the URL gives none.
    public static let defaultConnectTimeoutSeconds = 10
    /// libpq's sslmode values.
    static let sslModes: Set<String> = ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"]

    /// A configuration from parts.
    public init(
        host: String = "127.0.0.1", port: Int = 5432, user: String, password: String? = nil, database: String,
        connectTimeoutSeconds: Int = Self.defaultConnectTimeoutSeconds, sslMode: String? = nil, applicationName: String = "aitbc"
    ) {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.database = database
        self.connectTimeoutSeconds = connectTimeoutSeconds
        self.sslMode = sslMode
        self.applicationName = applicationName
    }

    /// Parses `postgresql://` (or `postgres://`) URLs. User, password and database are
    /// percent-decoded; the database defaults to the user name; query keys other than
    /// `connect_timeout`, `sslmode`, `application_name` and `host` (a unix-socket directory)
    /// are rejected so a typo never goes unnoticed.
    /// - Throws: `PostgresError` of kind `.invalidConfiguration`; its message never contains the password.
    public init(url: String) throws(PostgresError) {
        func fail(_ why: String) -> PostgresError { PostgresError(kind: .invalidConfiguration, message: why) }
        var rest: Substring
        if url.hasPrefix("postgresql://") {
            rest = url.dropFirst("postgresql://".count)
        } else if url.hasPrefix("postgres://") {
            rest = url.dropFirst("postgres://".count)
        } else {
            throw fail("URL must start with postgresql:// or postgres://")
        }
        var query: Substring = ""
        if let mark = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: mark)...]
            rest = rest[..<mark]
        }
        var path: Substring = ""
        if let slash = rest.firstIndex(of: "/") {
            path = rest[rest.index(after: slash)...]
            rest = rest[..<slash]
        }
        // The last '@' ends the user info, so an unencoded '@' in a password still parses.
        var userInfo: Substring = ""
        if let at = rest.lastIndex(of: "@") {
            userInfo = rest[..<at]
            rest = rest[rest.index(after: at)...]
        }
        var user = ""
        var password: String?
        if let colon = userInfo.firstIndex(of: ":") {
            user = try Self.decode(userInfo[..<colon], field: "user")
            password = try Self.decode(userInfo[userInfo.index(after: colon)...], field: "password")
        } else {
            user = try Self.decode(userInfo, field: "user")
        }
        guard !user.isEmpty else { throw fail("URL has no user name (postgresql://USER:PASSWORD@HOST:PORT/DATABASE)") }

        var host = "127.0.0.1"
        var port = 5432
        var portText: Substring?
        if rest.hasPrefix("[") {  // [IPv6]:port
            guard let close = rest.firstIndex(of: "]") else { throw fail("unterminated [IPv6] host") }
            host = String(rest[rest.index(after: rest.startIndex)..<close])
            let after = rest[rest.index(after: close)...]
            if after.hasPrefix(":") { portText = after.dropFirst() } else if !after.isEmpty { throw fail("unexpected text after [IPv6] host") }
        } else if let colon = rest.lastIndex(of: ":") {
            host = String(rest[..<colon])
            portText = rest[rest.index(after: colon)...]
        } else if !rest.isEmpty {
            host = String(rest)
        }
        if let portText {
            guard let value = Int(portText), (1...65535).contains(value) else { throw fail("port must be a number from 1 to 65535") }
            port = value
        }
        let database = try Self.decode(path, field: "database")

        self.init(host: host, port: port, user: user, password: password, database: database.isEmpty ? user : database)
        for pair in query.split(separator: "&") where !pair.isEmpty {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = String(parts[0])
            let value = try Self.decode(parts.count > 1 ? parts[1] : "", field: key)
            switch key {
            case "connect_timeout":
                guard let seconds = Int(value), (1...3600).contains(seconds) else {
                    throw fail("connect_timeout must be whole seconds from 1 to 3600")
                }
                connectTimeoutSeconds = seconds
            case "sslmode":
                guard Self.sslModes.contains(value) else {
                    throw fail("sslmode must be one of \(Self.sslModes.sorted().joined(separator: ", "))")
                }
                sslMode = value
            case "application_name": applicationName = value
            case "host":
                guard value.hasPrefix("/") else { throw fail("host in the query must be a unix-socket directory (starting with /)") }
                self.host = value
            default:
                throw fail("unknown URL parameter '\(Self.printable(key))' (known: connect_timeout, sslmode, application_name, host)")
            }
        }
    }

    /// The URL with the password as `***`.
    public var description: String {
        let auth = user.percentEncodedForURL + (password == nil ? "" : ":***")
        let hostPart = host.contains(":") ? "[\(host)]" : host
        if host.hasPrefix("/") {
            return "postgresql://\(auth)@:\(port)/\(database.percentEncodedForURL)?host=\(host)"
        }
        return "postgresql://\(auth)@\(hostPart):\(port)/\(database.percentEncodedForURL)"
    }

    /// libpq connection keywords and values (PQconnectdbParams): no conninfo string is built,
    /// so no value needs quoting.
    var libpqParameters: [(String, String)] {
        var parameters: [(String, String)] = [
            ("host", host), ("port", String(port)), ("user", user), ("dbname", database),
            ("connect_timeout", String(connectTimeoutSeconds)), ("application_name", applicationName),
            // Results are decoded as UTF-8, whatever the server's default.
            ("client_encoding", "UTF8"),
        ]
        if let password { parameters.append(("password", password)) }
        if let sslMode { parameters.append(("sslmode", sslMode)) }
        return parameters
    }

    /// Percent-decodes a URL component as UTF-8.
    static func decode(_ text: Substring, field: String) throws(PostgresError) -> String {
        guard text.contains("%") else { return String(text) }
        var bytes: [UInt8] = []
        var utf8 = text.utf8[...]
        while let byte = utf8.popFirst() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = utf8.popFirst().flatMap(Self.hexValue), let low = utf8.popFirst().flatMap(Self.hexValue) else {
                throw PostgresError(kind: .invalidConfiguration, message: "bad percent-encoding in the URL's \(field)")
            }
            bytes.append(high << 4 | low)
        }
        guard let decoded = String(validating: bytes, as: UTF8.self) else {
            throw PostgresError(kind: .invalidConfiguration, message: "the URL's \(field) is not UTF-8")
        }
        return decoded
    }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// A key echoed in an error: at most 40 printable ASCII characters.
    static func printable(_ text: String) -> String {
        String(text.unicodeScalars.prefix(40).map { $0.isASCII && $0.value >= 0x20 && $0.value < 0x7F ? Character($0) : "?" })
    }
}

extension String {
    /// Percent-encodes everything but unreserved characters (RFC 3986 §2.3).
    var percentEncodedForURL: String {
        var result = ""
        for byte in utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                result.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let digits = Array("0123456789ABCDEF")
                result += "%\(digits[Int(byte >> 4)])\(digits[Int(byte & 0xF)])"
            }
        }
        return result
    }
}
