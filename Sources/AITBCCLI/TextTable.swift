import ServiceRuntime
import TerminalText

/// A table for people: a header row and rows of cells, columns padded to their widest cell.
/// Every cell is escaped (`UntrustedText`): most of what a table shows came from a service.
struct TextTable {
    /// Column titles.
    var headers: [String]
    /// Rows; a short row is padded with empty cells.
    var rows: [[String]] = []
    /// Longest cell shown, in Unicode scalars, before it is cut.
    var cellLimit = 64

    /// Appends a row.
    mutating func append(_ row: [String]) { rows.append(row) }

    /// The table as lines: header, then rows; two spaces between columns, no trailing spaces.
    var lines: [String] {
        let shown = rows.map { row in
            headers.indices.map { index in index < row.count ? UntrustedText.display(row[index], limit: cellLimit) : "" }
        }
        var widths = headers.map(\.count)
        for row in shown {
            for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) }
        }
        func line(_ cells: [String]) -> String {
            var text = ""
            for (index, cell) in cells.enumerated() {
                if index > 0 { text += "  " }
                text += cell
                if index < cells.count - 1 { text += String(repeating: " ", count: widths[index] - cell.count) }
            }
            while text.hasSuffix(" ") { text.removeLast() }
            return text
        }
        return [line(headers)] + shown.map(line)
    }

    /// Two columns, name and value, for one object.
    static func fields(_ pairs: [(String, String)]) -> [String] {
        let width = pairs.map(\.0.count).max() ?? 0
        return pairs.map { name, value in
            let shown = UntrustedText.display(value, limit: 256)
            return name + String(repeating: " ", count: width - name.count) + "  " + shown
        }
    }
}
