public import JSON

/// A message of a service's wire contract: decoded from and encoded to the project's `JSON`
/// values, so every transport (HTTP bodies, WebSocket text frames) reads and writes it the
/// same way.
///
/// Requests decode strictly (the server's side: unknown members are refused, see
/// `WireDocument`); responses decode leniently (the client's side: unknown members are
/// ignored, so a newer server does not break an older client). `json` produces the exact
/// member order the coordinator sends.
public protocol WireMessage: Sendable, Equatable {
    /// Decodes the message from a parsed JSON value.
    /// - Throws: `WireDecodingError` naming the field and the rule it broke.
    init(json: JSONValue) throws(WireDecodingError)
    /// The message as a JSON value, members in wire order.
    var json: JSONValue { get }
}

extension WireMessage {
    /// Decodes the message from JSON text of at most `maxBytes` bytes.
    /// - Throws: `WireDecodingError` with field `body` for text that is not JSON.
    public init(bytes: [UInt8], maxBytes: Int = 16 * 1_024 * 1_024) throws(WireDecodingError) {
        let value: JSONValue
        do {
            value = try JSONParser(limits: .init(maxInputBytes: maxBytes)).parse(bytes)
        } catch {
            throw WireDecodingError(field: "body", reason: "invalid JSON: \(error)")
        }
        try self.init(json: value)
    }

    /// The message as compact JSON bytes (every wire value is finite, so nothing is lost).
    public var bytes: [UInt8] { (try? JSONSerializer().serialize(json)) ?? Array("null".utf8) }

    /// The message as compact JSON text.
    public var text: String { String(decoding: bytes, as: UTF8.self) }
}

/// Why a wire message could not be decoded: the field and the rule it broke. `description`
/// is the text the coordinator answers 422 with, e.g. `ttl_seconds: must be an integer`.
public struct WireDecodingError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What was wrong.
    public enum Problem: Equatable, Sendable {
        /// The field's value broke a rule (`must be an integer`, `field required`, …).
        case invalid(String)
        /// Members no version of the message knows: their names as received and the known
        /// ones. `inDocument` is true for a whole request document (`body`, `message`).
        case unknownMembers([String], known: [String], inDocument: Bool)
    }

    /// The field, with its path (`constraints.min_vram_gb`), or the document (`body`).
    public var field: String
    /// What was wrong with it.
    public var problem: Problem

    /// A value that broke a rule: `field: reason`.
    public init(field: String, reason: String) {
        self.field = field
        problem = .invalid(reason)
    }

    /// Any problem with `field`.
    public init(field: String, problem: Problem) {
        self.field = field
        self.problem = problem
    }

    /// The reason alone (`must be an integer`), or the unknown-members sentence.
    public var reason: String {
        switch problem {
        case .invalid(let reason): reason
        case .unknownMembers: message(displayingNames: Self.escaped)
        }
    }

    /// The message, with the names a peer sent written by `display` (a server passes its
    /// escaping of untrusted text; names are echoed, so they must not carry control codes).
    /// `unknown field "runnr" in body (known: payload, constraints, ttl_seconds)` for a
    /// document, `constraints: unknown field "x" (known: gpu, …)` for a nested object.
    public func message(displayingNames display: (String) -> String) -> String {
        switch problem {
        case .invalid(let reason):
            return "\(field): \(reason)"
        case .unknownMembers(let names, let known, let inDocument):
            guard inDocument else {
                return "\(field): unknown field \"\(display(names.first ?? ""))\" (known: \(known.joined(separator: ", ")))"
            }
            // Bounded: a body may hold thousands of members; name the first few.
            let shown = names.prefix(5).map { "\"\(display($0))\"" }.joined(separator: ", ") + (names.count > 5 ? ", …" : "")
            return "unknown field\(names.count == 1 ? "" : "s") \(shown) in \(field) (known: \(known.joined(separator: ", ")))"
        }
    }

    /// The message with control characters in echoed names escaped.
    public var description: String { message(displayingNames: Self.escaped) }

    /// `name` cut to 64 scalars with ASCII control characters written as `\u{1B}` (a server
    /// passes its own, stricter escaping to `message(displayingNames:)`).
    static func escaped(_ name: String) -> String {
        var output = ""
        for (index, scalar) in name.unicodeScalars.enumerated() {
            guard index < 64 else { return output + "…" }
            if scalar.value < 0x20 || scalar.value == 0x7F {
                output += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            } else {
                output.unicodeScalars.append(scalar)
            }
        }
        return output
    }
}

/// Where a request document came from: its name in error messages and the members it carries
/// beside the operation's own fields.
public struct WireDocument: Sendable, Equatable {
    /// `body` or `message`.
    public let name: String
    /// Members every document of this kind may carry.
    public let envelope: [String]

    /// A document named `name` whose envelope members are `envelope`.
    public init(name: String, envelope: [String]) {
        self.name = name
        self.envelope = envelope
    }

    /// An HTTP request body: only the operation's fields.
    public static let httpBody = WireDocument(name: "body", envelope: [])
    /// A miner WebSocket message: the HTTP body's fields plus `type`, `job_id` and `id`.
    public static let webSocketMessage = WireDocument(name: "message", envelope: ["type", "id", "job_id"])
}
