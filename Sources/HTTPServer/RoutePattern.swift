/// A parsed route path such as `/v1/jobs/{job_id}/result`.
struct RoutePattern: Sendable {
    enum Segment: Sendable, Equatable {
        case literal(String)
        case parameter(String)
        /// `*` matches one segment; `**` the rest of the path.
        case wildcard
        case catchAll
    }

    let text: String
    let segments: [Segment]
    let hasCatchAll: Bool
    var isStatic: Bool { segments.allSatisfy { if case .literal = $0 { true } else { false } } }

    init(_ path: String) {
        let normalized = "/" + path.split(separator: "/").joined(separator: "/")
        text = normalized
        segments = path.split(separator: "/").map { part in
            if part == "*" { return .wildcard }
            if part == "**" { return .catchAll }
            if part.first == "{", part.last == "}", part.count > 2 {
                return .parameter(String(part.dropFirst().dropLast()))
            }
            return .literal(String(part))
        }
        hasCatchAll = segments.contains(.catchAll)
    }

    /// The decoded parameters when `path` matches. `parts` are the path's segments as `String`s:
    /// comparing two native strings is a length check and a `memcmp`, where `Substring == String`
    /// goes through the generic element-by-element comparison (measured in the coordinator's
    /// profile, issue 4).
    func match(_ parts: [String]) -> [(name: String, value: String)]? {
        // Without `**`, a path matches only with exactly as many segments as the pattern.
        if parts.count != segments.count, !hasCatchAll { return nil }
        var parameters: [(name: String, value: String)] = []
        var index = 0
        for segment in segments {
            if case .catchAll = segment { return parameters }
            guard index < parts.count else { return nil }
            switch segment {
            case .literal(let literal): guard parts[index] == literal else { return nil }
            case .parameter(let name): parameters.append((name, PercentDecoding.decode(parts[index][...], plusIsSpace: false)))
            case .wildcard, .catchAll: break
            }
            index += 1
        }
        return index == parts.count ? parameters : nil
    }
}
