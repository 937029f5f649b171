import JSON

/// How a command shows the members of a wire message (the WireModels encoding) to people.
enum WireText {
    /// A member as a table cell: strings as they are, `null` or absent as `-`, anything else as
    /// compact JSON (times stay as the service gave them).
    static func cell(_ value: JSONValue?) -> String {
        guard let value, !value.isNull else { return "-" }
        if let text = value.stringValue { return text }
        return compact(value)
    }

    /// One line of compact JSON (the wire encoding, member order kept).
    static func compact(_ value: JSONValue) -> String {
        // Values decoded from the wire are finite: serialization does not fail.
        (try? JSONSerializer().string(value)) ?? "null"
    }

    /// `name value` lines for the named members of `object`, in that order.
    static func fields(_ object: JSONValue, _ names: [String]) -> [String] {
        TextTable.fields(names.map { ($0, cell(object[$0])) })
    }

    /// A table of `items` with one column per member name; headers are the wire names.
    static func table(_ items: [JSONValue], columns: [String]) -> [String] {
        var table = TextTable(headers: columns.map { $0.uppercased() })
        for item in items { table.append(columns.map { cell(item[$0]) }) }
        return table.lines
    }
}
