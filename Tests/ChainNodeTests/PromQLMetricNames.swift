import Foundation
import JSON
import Yams

/// The metric names an alerting or dashboard query reads, for `MetricNamesTests`: PromQL with
/// strings, label matchers, range brackets and grouping label lists removed, then every
/// identifier that is not a function, an aggregation or a keyword.
enum PromQLMetricNames {
    /// Binary-operator and modifier keywords, plus the literals PromQL spells as words.
    static let keywords: Set<String> = [
        "and", "or", "unless", "by", "without", "on", "ignoring", "group_left", "group_right", "bool", "offset", "atan2",
        "inf", "nan", "Inf", "NaN",
    ]
    /// Series Prometheus itself writes for every target or alert: never exported by a service.
    static let synthesized: Set<String> = [
        "up", "scrape_duration_seconds", "scrape_samples_scraped", "scrape_samples_post_metric_relabeling", "scrape_series_added",
        "ALERTS", "ALERTS_FOR_STATE",
    ]

    /// The series names `expression` selects (recording-rule names, with a `:`, included).
    static func names(in expression: String) -> Set<String> {
        var text = removingStrings(expression)
        text = removingBracketed(text, open: "{", close: "}")
        text = removingBracketed(text, open: "[", close: "]")
        text = removingGroupingLists(text)
        let characters = Array(text)
        var names: Set<String> = []
        var index = 0
        while index < characters.count {
            let character = characters[index]
            guard isIdentifierStart(character) else {
                index += 1
                continue
            }
            let start = index
            while index < characters.count, isIdentifierStart(characters[index]) || characters[index].isASCIIDigit {
                index += 1
            }
            // `$var` (Grafana), `5m`/`1e3` (a number's tail) are not names.
            if start > 0, characters[start - 1] == "$" || characters[start - 1].isASCIIDigit || characters[start - 1] == "." {
                continue
            }
            let word = String(characters[start..<index])
            var next = index
            while next < characters.count, characters[next] == " " || characters[next] == "\n" || characters[next] == "\t" { next += 1 }
            let isCall = next < characters.count && characters[next] == "("
            if !isCall, !keywords.contains(word), !synthesized.contains(word) { names.insert(word) }
        }
        return names
    }

    /// Every `expr` of the rule files' rules, and the names their `record:` rules define.
    static func rules(_ yaml: String) throws -> (expressions: [String], recorded: Set<String>, alerts: Set<String>) {
        let document = try Yams.load(yaml: yaml) as? [String: Any]
        let groups = document?["groups"] as? [[String: Any]] ?? []
        var expressions: [String] = []
        var recorded: Set<String> = []
        var alerts: Set<String> = []
        for rule in groups.flatMap({ $0["rules"] as? [[String: Any]] ?? [] }) {
            if let expression = rule["expr"] as? String { expressions.append(expression) }
            if let name = rule["record"] as? String { recorded.insert(name) }
            if let name = rule["alert"] as? String { alerts.insert(name) }
        }
        return (expressions, recorded, alerts)
    }

    /// Every panel target's `expr` (rows' nested panels too) and the series of `label_values(…)`
    /// template variables.
    static func dashboardExpressions(_ json: [UInt8]) throws -> [String] {
        let dashboard = try JSONParser(limits: .init(maxInputBytes: 4 << 20)).parse(json)
        var expressions: [String] = []
        func visit(_ panels: [JSONValue]) {
            for panel in panels {
                for target in panel["targets"]?.arrayValue ?? [] {
                    if let expression = target["expr"]?.stringValue { expressions.append(expression) }
                }
                visit(panel["panels"]?.arrayValue ?? [])
            }
        }
        visit(dashboard["panels"]?.arrayValue ?? [])
        for variable in dashboard["templating"]?["list"]?.arrayValue ?? [] {
            guard let definition = variable["definition"]?.stringValue, definition.hasPrefix("label_values("), definition.hasSuffix(")"),
                let comma = definition.lastIndex(of: ",")
            else { continue }
            expressions.append(String(definition[definition.index(definition.startIndex, offsetBy: 13)..<comma]))
        }
        return expressions
    }

    /// Series names in a Prometheus text exposition: every sample line's name, and each family
    /// named by a `# TYPE` line with its type.
    static func exposition(_ text: String) -> (samples: Set<String>, types: [String: String]) {
        var samples: Set<String> = []
        var types: [String: String] = [:]
        for line in text.split(separator: "\n") {
            if line.hasPrefix("# TYPE ") {
                let parts = line.split(separator: " ")
                if parts.count == 4 { types[String(parts[2])] = String(parts[3]) }
            } else if !line.hasPrefix("#"), let end = line.firstIndex(where: { $0 == "{" || $0 == " " }) {
                samples.insert(String(line[..<end]))
            }
        }
        return (samples, types)
    }

    private static func isIdentifierStart(_ character: Character) -> Bool {
        character == "_" || character == ":" || (character.isASCII && character.isLetter)
    }

    /// Drops "…", '…' and `…` literals (backslash escapes in the first two).
    private static func removingStrings(_ text: String) -> String {
        var result = ""
        var quote: Character?
        var escaped = false
        for character in text {
            if let open = quote {
                if escaped {
                    escaped = false
                } else if character == "\\", open != "`" {
                    escaped = true
                } else if character == open {
                    quote = nil
                }
            } else if character == "\"" || character == "'" || character == "`" {
                quote = character
            } else {
                result.append(character)
            }
        }
        return result
    }

    /// Drops `open`…`close` spans (label matchers, ranges; never nested once strings are gone).
    private static func removingBracketed(_ text: String, open: Character, close: Character) -> String {
        var result = ""
        var depth = 0
        for character in text {
            if character == open {
                depth += 1
            } else if character == close, depth > 0 {
                depth -= 1
            } else if depth == 0 {
                result.append(character)
            }
        }
        return result
    }

    /// Drops `by`, `without`, `on`, `ignoring`, `group_left`, `group_right` with their label
    /// lists, so `sum by (job) (x)` reads as the call `sum (x)`.
    private static func removingGroupingLists(_ text: String) -> String {
        guard let pattern = try? NSRegularExpression(pattern: #"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)"#) else { return text }
        return pattern.stringByReplacingMatches(in: text, range: NSRange(text.startIndex..., in: text), withTemplate: " ")
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
