import Foundation

extension AllowlistedTool {
    /// Checks a job's argument list (spec/miner.md §6 "Target validation"); nil when every
    /// token is accounted for, else the reason for `E_DENY`. Runs before anything is spawned.
    func denial(for arguments: [String]) -> String? {
        var total = 0
        for argument in arguments {
            let (sum, overflow) = total.addingReportingOverflow(argument.utf8.count)
            guard !overflow, sum <= maxTotalArgsLength else { return "arguments exceed \(maxTotalArgsLength) bytes" }
            total = sum
            if let reason = Self.genericDenial(Array(argument.utf8)) { return reason }
        }
        var index = 0
        while index < arguments.count {
            guard let consumed = match(arguments, at: index) else {
                return "argument \(index) ('\(arguments[index].prefix(64))') matches no rule of \(name)"
            }
            index += consumed
        }
        return nil
    }

    /// The checks every tool gets whatever its rules say, on the token's UTF-8 bytes (not
    /// Characters: `"/\u{301}etc"` is one Character that is not `"/"`, yet an absolute path to
    /// the kernel). Each `=`-separated part counts on its own, so `--opt=/abs`, `--opt=../x` and
    /// `--src=file:/x` are refused like the bare forms. A part that looks like a URL scheme
    /// (RFC 3986 §3.1: `ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":"`) is refused because
    /// tools such as ffmpeg open `file:`, `http:` and other protocols from plain arguments.
    static func genericDenial(_ token: [UInt8]) -> String? {
        if token.contains(0) { return "argument contains NUL" }
        if containsDotDot(token) { return "'..' is not allowed in arguments" }
        for part in token.split(separator: UInt8(ascii: "="), omittingEmptySubsequences: false) {
            if part.first == UInt8(ascii: "/") { return "absolute paths are not allowed in arguments" }
            if looksLikeScheme(part) { return "URLs and scheme prefixes ('name:') are not allowed in arguments" }
        }
        return nil
    }

    private static func containsDotDot(_ token: [UInt8]) -> Bool {
        let dot = UInt8(ascii: ".")
        return zip(token, token.dropFirst()).contains { $0 == dot && $1 == dot }
    }

    /// `^[A-Za-z][A-Za-z0-9+.-]*:` on bytes.
    private static func looksLikeScheme(_ part: ArraySlice<UInt8>) -> Bool {
        func isLetter(_ byte: UInt8) -> Bool { (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) }
        guard let first = part.first, isLetter(first) else { return false }
        for byte in part.dropFirst() {
            if byte == UInt8(ascii: ":") { return true }
            let allowed = isLetter(byte) || (0x30...0x39).contains(byte) || byte == UInt8(ascii: "+")
                || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
            guard allowed else { return false }
        }
        return false
    }

    /// Tokens the first matching rule consumes at `index`, or nil.
    ///
    /// A token starting with `-` is a flag: only a rule naming that exact flag (`[flag]` or
    /// `[flag, value-regex]`) accepts it, never a value regex. Otherwise a rule meant for file
    /// names (`[A-Za-z0-9._-]+`) would admit `--check` or `--files-from`, which make the tool
    /// read paths out of an input file instead of its arguments (issue #10).
    private func match(_ arguments: [String], at index: Int) -> Int? {
        let token = arguments[index]
        let isFlag = token.hasPrefix("-")
        for rule in rules {
            switch rule {
            case .literal(let flag):
                if token == flag { return 1 }
            case .pattern(let source):
                if !isFlag, fullMatch(source, token) { return 1 }
            case .flagValue(let flag, let value):
                if token == flag, index + 1 < arguments.count, fullMatch(value, arguments[index + 1]) { return 2 }
            }
        }
        return nil
    }

    private func fullMatch(_ source: String, _ token: String) -> Bool {
        guard let regex = regexes[source] else { return false }
        let range = NSRange(token.startIndex..<token.endIndex, in: token)
        return regex.firstMatch(in: token, options: [], range: range) != nil
    }
}
