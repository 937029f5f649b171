// Error-body rendering (issue 11): `HTTPError.body`, the one renderer (JSONSerializer, sorted
// keys), against the two it replaced — a hand-written writer for "plain" errors and Foundation's
// `JSONEncoder` for everything else — on the error answers a hostile client causes by the
// thousand (401, 404, 429). The old renderers are copied here verbatim as the baseline.
//
// Usage: ErrorBodyBench [--iterations N] [--rounds R]
// Output: per round and case, "round case renderer ns/op"; then a median table in markdown.
// Rounds alternate which renderer runs first, so both see the same background load.
import Foundation
import HTTPServer
import JSON

// MARK: - the renderers before issue 11 (Sources/HTTPServer/HTTPError.swift at 0cb1ca9)

/// An error as the old renderers took it: details and extra members as `Encodable` values.
struct OldError {
    var code: String
    var message: String
    var details: (any Encodable & Sendable)?
    var extraMembers: [(String, any Encodable & Sendable)]

    var encodedBody: [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(OldErrorBody(error: self))).map { Array($0) } ?? []
    }

    var plainBody: [UInt8]? {
        guard details == nil, Self.isPlain(code), Self.isPlain(message) else { return nil }
        var members: [(String, String)] = []
        for (name, value) in extraMembers where name != "error" {
            guard let text = value as? String, Self.isPlain(name), Self.isPlain(text), !members.contains(where: { $0.0 == name })
            else { return nil }
            members.append((name, text))
        }
        members.append(("error", ""))
        members.sort { $0.0.utf8.lexicographicallyPrecedes($1.0.utf8) }
        var out: [UInt8] = [UInt8(ascii: "{")]
        for (index, (name, text)) in members.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            out.append(UInt8(ascii: "\""))
            out.append(contentsOf: name.utf8)
            out.append(contentsOf: #"":"#.utf8)
            if name == "error" {
                out.append(contentsOf: #"{"code":""#.utf8)
                out.append(contentsOf: code.utf8)
                out.append(contentsOf: #"","details":{},"message":""#.utf8)
                out.append(contentsOf: message.utf8)
                out.append(contentsOf: #""}"#.utf8)
            } else {
                out.append(UInt8(ascii: "\""))
                out.append(contentsOf: text.utf8)
                out.append(UInt8(ascii: "\""))
            }
        }
        out.append(UInt8(ascii: "}"))
        return out
    }

    /// What `HTTPError.response` did: the direct writer when it applies, else the encoder.
    var body: [UInt8] { plainBody ?? encodedBody }

    static func isPlain(_ text: String) -> Bool {
        text.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") && $0 != UInt8(ascii: "/") }
    }
}

struct OldErrorBody: Encodable {
    let error: OldError

    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ string: String) { stringValue = string }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    struct EmptyObject: Encodable {}

    func encode(to encoder: any Encoder) throws {
        var top = encoder.container(keyedBy: Key.self)
        var inner = top.nestedContainer(keyedBy: Key.self, forKey: Key("error"))
        try inner.encode(error.code, forKey: Key("code"))
        try inner.encode(error.message, forKey: Key("message"))
        if let details = error.details {
            try details.encode(to: inner.superEncoder(forKey: Key("details")))
        } else {
            try inner.encode(EmptyObject(), forKey: Key("details"))
        }
        for (name, value) in error.extraMembers where name != "error" {
            try value.encode(to: top.superEncoder(forKey: Key(name)))
        }
    }
}

struct RetryAfterDetails: Encodable, Sendable { let retry_after_seconds: Int }

// MARK: - cases: what the coordinator answers a misbehaving client

struct Case {
    let name: String
    let old: () -> [UInt8]
    let new: () -> [UInt8]
}

let cases: [Case] = [
    // 401 for an unknown key: the old direct writer's case.
    Case(
        name: "401 unknown key (plain)",
        old: { OldError(code: "UNAUTHORIZED_KEY", message: "unknown API key", extraMembers: [("detail", "invalid api key")]).body },
        new: { HTTPError(.unauthorized, code: "UNAUTHORIZED_KEY", message: "unknown API key", extraMembers: [("detail", "invalid api key")]).body }),
    // 404 from the router: the message names the path, whose `/` sent the old one to JSONEncoder.
    Case(
        name: "404 no route (path in message)",
        old: { OldError(code: "NOT_FOUND", message: "no route for GET /v1/jobz", extraMembers: [("detail", "no route for GET /v1/jobz")]).body },
        new: {
            HTTPError(.notFound, code: "NOT_FOUND", message: "no route for GET /v1/jobz", extraMembers: [("detail", "no route for GET /v1/jobz")]).body
        }),
    // 429 with details: always JSONEncoder before.
    Case(
        name: "429 rate limited (details)",
        old: {
            OldError(
                code: "RATE_LIMITED", message: "too many requests", details: RetryAfterDetails(retry_after_seconds: 3),
                extraMembers: [("detail", "rate limit exceeded")]
            ).body
        },
        new: {
            HTTPError(
                .tooManyRequests, code: "RATE_LIMITED", message: "too many requests", details: ["retry_after_seconds": 3],
                extraMembers: [("detail", "rate limit exceeded")]
            ).body
        }),
]

// MARK: - timing

var iterations = 200_000
var rounds = 7
var arguments = CommandLine.arguments.dropFirst().makeIterator()
while let argument = arguments.next() {
    guard let text = arguments.next(), let value = Int(text), value > 0 else { fatalError("\(argument) needs a positive integer") }
    switch argument {
    case "--iterations": iterations = value
    case "--rounds": rounds = value
    default: fatalError("unknown argument \(argument)")
    }
}

/// Same bytes, `\/` aside (JSONEncoder escapes `/`, which JSON allows but does not require).
func sameBody(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    String(decoding: a, as: UTF8.self).replacingOccurrences(of: #"\/"#, with: "/") == String(decoding: b, as: UTF8.self)
}
for testCase in cases where !sameBody(testCase.old(), testCase.new()) {
    fatalError("\(testCase.name): bodies differ: \(String(decoding: testCase.old(), as: UTF8.self)) vs \(String(decoding: testCase.new(), as: UTF8.self))")
}

let clock = ContinuousClock()
var sink = 0

/// Nanoseconds per call of `render`, after a warm-up of a tenth of the iterations.
@MainActor func measure(_ render: () -> [UInt8]) -> Double {
    for _ in 0..<(iterations / 10) { sink &+= render().count }
    let start = clock.now
    for _ in 0..<iterations { sink &+= render().count }
    let (seconds, attoseconds) = (clock.now - start).components
    return (Double(seconds) * 1e9 + Double(attoseconds) / 1e9) / Double(iterations)
}

var samples: [String: [Double]] = [:]
for round in 1...rounds {
    for testCase in cases {
        let order = round % 2 == 1 ? [("before", testCase.old), ("now", testCase.new)] : [("now", testCase.new), ("before", testCase.old)]
        for (renderer, render) in order {
            let ns = measure(render)
            samples["\(testCase.name)|\(renderer)", default: []].append(ns)
            print("\(round) \(testCase.name) \(renderer) \(String(format: "%.0f", ns)) ns/op")
        }
    }
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

print("\n| case | before (ns/op) | now: `HTTPError.body` (ns/op) | now / before |")
print("|---|---|---|---|")
for testCase in cases {
    let before = median(samples["\(testCase.name)|before"] ?? [])
    let now = median(samples["\(testCase.name)|now"] ?? [])
    print("| \(testCase.name) | \(String(format: "%.0f", before)) | \(String(format: "%.0f", now)) | \(String(format: "%.2f", now / before)) |")
}
print("\n\(rounds) rounds of \(iterations) calls per cell; medians over rounds (checksum \(sink % 10))")
