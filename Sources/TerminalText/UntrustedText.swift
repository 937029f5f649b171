/// Text that came from outside (a configuration file, a server, a receipt) made safe to echo
/// on a terminal or in a log line: no escape sequences, no line breaks, bounded length.
public enum UntrustedText {
    /// Longest name echoed, in Unicode scalars, before it is cut.
    public static let nameLimit = 64

    /// `text` cut to `limit` Unicode scalars (`…` marks the cut), every scalar that is not
    /// printable (controls such as ESC and newline, DEL, format characters such as bidi
    /// overrides, line and paragraph separators, unassigned and private-use) written as `\u{1B}`.
    public static func display(_ text: some StringProtocol, limit: Int = nameLimit) -> String {
        var output = ""
        var count = 0
        for scalar in text.unicodeScalars {
            guard count < limit else {
                output += "…"
                break
            }
            count += 1
            if isPrintable(scalar) {
                output.unicodeScalars.append(scalar)
            } else {
                output += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            }
        }
        return output
    }

    /// Whether `scalar` prints as itself.
    static func isPrintable(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII { return scalar.value >= 0x20 && scalar.value < 0x7F }
        switch scalar.properties.generalCategory {
        case .control, .format, .lineSeparator, .paragraphSeparator, .privateUse, .surrogate, .unassigned: return false
        default: return true
        }
    }

    /// `url` without the `user:password@` of its authority, then as `display` writes it.
    public static func displayURL(_ url: String, limit: Int = 256) -> String {
        var text = Substring(url)
        let authorityStart = text.firstRange(of: "://")?.upperBound ?? text.startIndex
        let authorityEnd = text[authorityStart...].firstIndex { "/?#".contains($0) } ?? text.endIndex
        if let at = text[authorityStart..<authorityEnd].lastIndex(of: "@") {
            text = text[..<authorityStart] + text[text.index(after: at)...]
        }
        return display(text, limit: limit)
    }
}
