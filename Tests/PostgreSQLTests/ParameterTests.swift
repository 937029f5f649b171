import Testing

@testable import PostgreSQL

@Suite struct ParameterTests {
    @Test func everyTypeRoundTrips() async throws {
        let connection = try await TestPostgres.connect()
        let bytes: [UInt8] = [0, 1, 0x7F, 0x80, 0xFF]
        let row = try #require(
            try await connection.query(
                "SELECT $1 AS i64, $2 AS i32, $3 AS i, $4 AS d, $5 AS b, $6::text AS s, $7 AS bytes, $8 AS big, $9 AS small",
                [Int64(-9_007_199_254_740_993), Int32(-7), 12, 2.5, true, "plain", bytes, Int64.max, Int64.min]
            ).first)
        #expect(try row.get("i64", as: Int64.self) == -9_007_199_254_740_993)
        #expect(try row.get("i32", as: Int32.self) == -7)
        #expect(try row.get("i", as: Int.self) == 12)
        #expect(try row.get("d", as: Double.self) == 2.5)
        #expect(try row.get("b", as: Bool.self) == true)
        #expect(try row.get("s", as: String.self) == "plain")
        #expect(try row.get("bytes", as: [UInt8].self) == bytes)
        #expect(try row.get("big", as: Int64.self) == .max)
        #expect(try row.get("small", as: Int64.self) == .min)
        await connection.close()
    }

    @Test(arguments: [0.1, -1e-300, 1.7976931348623157e308, .infinity, -.infinity, .leastNonzeroMagnitude])
    func doublesRoundTripExactly(_ value: Double) async throws {
        let connection = try await TestPostgres.connect()
        #expect(try await connection.query("SELECT $1 AS v", [value]).first?.get("v", as: Double.self) == value)
        let nan = try await connection.query("SELECT $1 AS v", [Double.nan]).first?.get("v", as: Double.self)
        #expect(nan?.isNaN == true)
        await connection.close()
    }

    @Test func nullsBindAndDecodeAsOptionals() async throws {
        let connection = try await TestPostgres.connect()
        let table = TestPostgres.uniqueName("nulls")
        try await connection.execute("CREATE TABLE \(table) (i bigint, s text, b boolean, d double precision)")
        try await connection.execute(
            "INSERT INTO \(table) VALUES ($1, $2, $3, $4)", [Int64?.none, String?.none, Bool?.none, Double?.none])
        let row = try #require(try await connection.query("SELECT * FROM \(table)").first)
        #expect(try row.get("i", as: Int64?.self) == nil)
        #expect(try row.get("s", as: String?.self) == nil)
        #expect(try row.get("b", as: Bool?.self) == nil)
        #expect(try row.get("d", as: Double?.self) == nil)
        #expect(throws: RowDecodingError(column: "i", reason: .unexpectedNull)) { try row.get("i", as: Int64.self) }
        try await connection.execute("DROP TABLE \(table)")
        await connection.close()
    }

    @Test(arguments: [
        "héllo wörld", "日本語テキスト", "emoji 🚀👩‍💻", "'; DROP TABLE students; --", "Robert'); DROP TABLE x;--", "$1 $2 \\x00 \\",
        "\"quoted\" and 'single'", "line\nbreak\ttab", "",
    ])
    func stringsStayData(_ text: String) async throws {
        let connection = try await TestPostgres.connect()
        let table = TestPostgres.uniqueName("strings")
        try await connection.execute("CREATE TABLE \(table) (s text NOT NULL)")
        try await connection.execute("INSERT INTO \(table) (s) VALUES ($1)", [text])
        let rows = try await connection.query("SELECT s FROM \(table) WHERE s = $1", [text]).rows
        #expect(rows.count == 1)
        #expect(try rows.first?.get("s", as: String.self) == text)
        #expect(try await connection.query("SELECT count(*) FROM \(table)").first?.get(0, as: Int.self) == 1)
        try await connection.execute("DROP TABLE \(table)")
        await connection.close()
    }

    @Test func stringsGoIntoTypedColumns() async throws {
        let connection = try await TestPostgres.connect()
        let row = try #require(
            try await connection.query(
                "SELECT $1::jsonb ->> 'a' AS a, $2::uuid AS u, $3::timestamptz AT TIME ZONE 'UTC' AS t",
                ["{\"a\":\"x\"}", "123e4567-e89b-12d3-a456-426614174000", "2024-01-02T03:04:05Z"]
            ).first)
        #expect(try row.get("a", as: String.self) == "x")
        #expect(try row.get("u", as: String.self) == "123e4567-e89b-12d3-a456-426614174000")
        #expect(try row.get("t", as: String.self) == "2024-01-02 03:04:05")
        await connection.close()
    }

    @Test func nulInAStringIsRefusedNotTruncated() async throws {
        let connection = try await TestPostgres.connect()
        do {
            try await connection.query("SELECT $1::text", ["before\u{0}after"])
            Issue.record("NUL accepted")
        } catch {
            #expect(error.kind == .invalidArgument)
            #expect(!"\(error)".contains("after"))
        }
        await connection.close()
    }

    @Test func decodingErrorsAreTyped() async throws {
        let connection = try await TestPostgres.connect()
        let row = try #require(try await connection.query("SELECT 'abc'::text AS s, 3000000000::bigint AS big, 1.5::float8 AS f").first)
        #expect(throws: RowDecodingError(column: "s", reason: .typeMismatch(expected: "integer", found: "text"))) {
            try row.get("s", as: Int64.self)
        }
        #expect(throws: RowDecodingError(column: "big", reason: .valueOutOfRange(expected: "Int32"))) {
            try row.get("big", as: Int32.self)
        }
        #expect(throws: RowDecodingError(column: "f", reason: .typeMismatch(expected: "integer", found: "float8"))) {
            try row.get("f", as: Int.self)
        }
        #expect(throws: RowDecodingError(column: "nope", reason: .columnNotFound)) { try row.get("nope", as: String.self) }
        #expect(throws: RowDecodingError(column: "#9", reason: .indexOutOfRange(count: 3))) { try row.get(9, as: String.self) }
        // sum(bigint) is numeric: whole values still read as integers.
        #expect(try await connection.query("SELECT sum(x) AS s FROM (VALUES (1::bigint), (2)) v(x)").first?.get("s", as: Int64.self) == 3)
        await connection.close()
    }
}
