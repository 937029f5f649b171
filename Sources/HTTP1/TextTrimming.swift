extension StringProtocol {
    /// The text without leading and trailing whitespace: Unicode spaces (category Zs), tabs, CR and LF.
    /// Configuration values, `.env` lines and header fields are trimmed with it; it is Foundation's
    /// `trimmingCharacters(in: .whitespacesAndNewlines)` for these inputs, without linking Foundation
    /// (a daemon that links it maps CoreFoundation at start).
    public func trimmingWhitespace() -> String {
        let text = String(self)
        let scalars = text.unicodeScalars
        guard let first = scalars.firstIndex(where: { !Self.isTrimmed($0) }),
            let last = scalars.lastIndex(where: { !Self.isTrimmed($0) })
        else { return "" }
        return String(scalars[first...last])
    }

    private static func isTrimmed(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "\t", "\n", "\r": true
        default: scalar.properties.generalCategory == .spaceSeparator
        }
    }
}
