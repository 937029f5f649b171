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
            if argument.utf8.contains(0) { return "argument contains NUL" }
            if argument.hasPrefix("/") { return "absolute paths are not allowed in arguments" }
            if argument.contains("..") { return "'..' is not allowed in arguments" }
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

    /// Tokens the first matching rule consumes at `index`, or nil.
    private func match(_ arguments: [String], at index: Int) -> Int? {
        let token = arguments[index]
        for rule in rules {
            switch rule {
            case .literal(let flag):
                if token == flag { return 1 }
            case .pattern(let source):
                if fullMatch(source, token) { return 1 }
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
