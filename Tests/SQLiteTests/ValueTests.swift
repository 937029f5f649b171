import Foundation
import Testing

@testable import SQLite

@Suite struct ValueTests {
    static let values: [SQLiteValue] = [
        .null, .integer(0), .integer(Int64.max), .integer(Int64.min), .integer(-1),
        .real(3.25), .real(-0.0), .real(Double.greatestFiniteMagnitude),
        .text(""), .text("plain"), .text("ünïcødé 🚀 中文"), .text("nul\u{0}inside"),
        .blob([]), .blob([0, 1, 2, 255]), .blob(Array(repeating: 0xAB, count: 100_000)),
    ]

    @Test(arguments: values) func valueRoundTrips(_ value: SQLiteValue) throws {
        let connection = try Connection(path: ":memory:")
        try connection.execute("CREATE TABLE t(v)")
        try connection.execute("INSERT INTO t VALUES (?)", [value])
        let row = try #require(try connection.queryOne("SELECT v, typeof(v) AS kind FROM t"))
        #expect(try row.value(at: 0) == value)
        #expect(try row.get("kind", as: String.self) == value.storageClass)
    }

    @Test func typedBindingAndReading() throws {
        let connection = try Connection(path: ":memory:")
        try connection.execute("CREATE TABLE t(i64, i, d, s, b, data, flag, n, u)")
        let bytes: [UInt8] = [0xDE, 0xAD, 0xBE, 0xEF]
        try connection.execute(
            "INSERT INTO t VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [Int64.max, Int.min, 1.5, "héllo", bytes, Data([9, 8]), true, String?.none, UInt64.max])
        let row = try #require(try connection.queryOne("SELECT * FROM t"))
        #expect(try row.get("i64") == Int64.max)
        #expect(try row.get("i") == Int.min)
        #expect(try row.get("d") == 1.5)
        #expect(try row.get("s") == "héllo")
        #expect(try row.get("b") == bytes)
        #expect(try row.get("data") == Data([9, 8]))
        #expect(try row.get("flag") == true)
        #expect(try row.get("n", as: String?.self) == nil)
        #expect(try row.get("u") == UInt64.max)
        #expect(try row.get("I64") == Int64.max, "column names are case-insensitive")
        #expect(try row.get(2, as: Double.self) == 1.5)
    }

    @Test func nullIntoNonOptionalIsTypedError() throws {
        let row = Row(columnNames: ["x"], values: [.null])
        let error = try #require(throws: RowDecodingError.self) { try row.get("x", as: Int.self) }
        #expect(error == RowDecodingError(column: "x", reason: .unexpectedNull))
        #expect(try row.get("x", as: Int?.self) == nil)
    }

    @Test func wrongTypeIsTypedError() throws {
        let row = Row(columnNames: ["t", "r", "b"], values: [.text("12"), .real(1.5), .blob([1])])
        #expect(throws: RowDecodingError(column: "t", reason: .typeMismatch(expected: "integer", found: "text"))) {
            try row.get("t", as: Int64.self)
        }
        #expect(throws: RowDecodingError(column: "r", reason: .typeMismatch(expected: "integer", found: "real"))) {
            try row.get("r", as: Int.self)
        }
        #expect(throws: RowDecodingError(column: "b", reason: .typeMismatch(expected: "text", found: "blob"))) {
            try row.get(2, as: String.self)
        }
        #expect(throws: RowDecodingError(column: "t", reason: .typeMismatch(expected: "blob", found: "text"))) {
            try row.get("t", as: Data.self)
        }
        // An integer column reads as Double: NUMERIC affinity stores whole reals as integers.
        #expect(try Row(columnNames: ["i"], values: [.integer(2)]).get("i", as: Double.self) == 2.0)
    }

    @Test func outOfRangeIsTypedError() throws {
        let row = Row(columnNames: ["big"], values: [.integer(Int64(Int32.max) + 1)])
        #expect(throws: RowDecodingError(column: "big", reason: .valueOutOfRange(expected: "Int32"))) {
            try row.get("big", as: Int32.self)
        }
    }

    @Test func missingColumnsAreTypedErrors() throws {
        let row = Row(columnNames: ["a"], values: [.integer(1)])
        #expect(throws: RowDecodingError(column: "nope", reason: .columnNotFound)) { try row.get("nope", as: Int.self) }
        #expect(throws: RowDecodingError(column: "#5", reason: .indexOutOfRange(count: 1))) { try row.get(5, as: Int.self) }
        #expect(throws: RowDecodingError(column: "#-1", reason: .indexOutOfRange(count: 1))) { try row.get(-1, as: Int.self) }
    }

    @Test func descriptionsHideValues() {
        #expect(SQLiteValue.text("secret").description == "text(6 bytes)")
        #expect(!RowDecodingError(column: "c", reason: .unexpectedNull).description.contains("secret"))
    }
}
