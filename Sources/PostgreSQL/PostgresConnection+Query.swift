internal import CLibPQ
import Glibc

extension PostgresConnection {
    /// The most parameters one statement can carry (the protocol counts them in 16 bits).
    public static let maxParameters = 65_535

    /// Runs one statement with `$1…$n` parameters, sent separately from the SQL text
    /// (`PQexecParams`, text format), so no argument is ever parsed as SQL. Several statements
    /// in one string are refused by the server.
    /// - Throws: `PostgresError` (`.server` with the SQLSTATE, `.connectionLost`, `.invalidArgument`…).
    @discardableResult
    public func query(_ sql: String, _ arguments: [any PostgresBindable] = []) async throws(PostgresError) -> PostgresResult {
        let values = arguments.map(\.postgresValue)
        return try await run { handle in Self.execute(handle, sql: sql, values: values) }
    }

    /// Runs one statement and returns the number of rows it affected.
    /// - Throws: `PostgresError`.
    @discardableResult
    public func execute(_ sql: String, _ arguments: [any PostgresBindable] = []) async throws(PostgresError) -> Int {
        try await query(sql, arguments).affectedRows
    }

    /// Runs a script of several statements without parameters (simple query protocol), e.g. a
    /// migration. Never build it from input: use `query` with parameters for that.
    /// - Throws: `PostgresError` for the first statement that fails (later ones do not run).
    public func executeScript(_ sql: String) async throws(PostgresError) {
        _ = try await run { handle in
            sql.withCString { text in Self.convert(PQexec(handle, text), handle: handle, sql: sql) }
        }
    }

    /// `PQexecParams` and the conversion of its result, on the connection's thread.
    static func execute(_ handle: OpaquePointer, sql: String, values: [PostgresValue]) -> Result<PostgresResult, PostgresError> {
        guard values.count <= maxParameters else {
            return .failure(
                PostgresError(kind: .invalidArgument, message: "\(values.count) parameters; at most \(maxParameters)", sql: sql))
        }
        var texts: [UnsafePointer<CChar>?] = []
        texts.reserveCapacity(values.count)
        defer { for text in texts { free(UnsafeMutablePointer(mutating: text)) } }
        for (index, value) in values.enumerated() {
            guard let text = value.text else {
                texts.append(nil)
                continue
            }
            // A C string ends at NUL: sending it would silently cut the value short.
            guard !text.utf8.contains(0) else {
                return .failure(
                    PostgresError(
                        kind: .invalidArgument, message: "parameter $\(index + 1) contains a NUL byte, which PostgreSQL text cannot hold",
                        sql: sql))
            }
            guard let copy = strdup(text) else { return .failure(PostgresError(kind: .invalidArgument, message: "out of memory", sql: sql)) }
            texts.append(UnsafePointer(copy))
        }
        let types = values.map { Oid($0.type.rawValue) }
        let result = PQexecParams(handle, sql, Int32(values.count), types, texts, nil, nil, 0)
        return convert(result, handle: handle, sql: sql)
    }

    /// Copies a `PGresult` into a `PostgresResult` or error, and clears it.
    static func convert(_ result: OpaquePointer?, handle: OpaquePointer, sql: String) -> Result<PostgresResult, PostgresError> {
        guard let result else {
            let lost = PQstatus(handle) != CONNECTION_OK
            return .failure(PostgresError(kind: lost ? .connectionLost : .unexpectedResponse, message: libpqMessage(handle), sql: sql))
        }
        defer { PQclear(result) }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
            return .success(rows(of: result))
        case PGRES_FATAL_ERROR, PGRES_NONFATAL_ERROR:
            return .failure(error(from: result, handle: handle, sql: sql))
        default:
            let status = String(cString: PQresStatus(PQresultStatus(result)))
            return .failure(PostgresError(kind: .unexpectedResponse, message: "result status \(status) is not supported", sql: sql))
        }
    }

    private static func rows(of result: OpaquePointer) -> PostgresResult {
        let fieldCount = Int(PQnfields(result))
        let rowCount = Int(PQntuples(result))
        var names: [String] = []
        var types: [PostgresType] = []
        for field in 0..<fieldCount {
            names.append(PQfname(result, Int32(field)).map { String(cString: $0) } ?? "?column?")
            types.append(PostgresType(rawValue: UInt32(PQftype(result, Int32(field)))))
        }
        let columns = PostgresRow.Columns(names: names, types: types)
        var rows: [PostgresRow] = []
        rows.reserveCapacity(rowCount)
        for row in 0..<rowCount {
            var texts: [String?] = []
            texts.reserveCapacity(fieldCount)
            for field in 0..<fieldCount {
                if PQgetisnull(result, Int32(row), Int32(field)) != 0 {
                    texts.append(nil)
                } else {
                    texts.append(PQgetvalue(result, Int32(row), Int32(field)).map { String(cString: $0) } ?? "")
                }
            }
            rows.append(PostgresRow(columns: columns, texts: texts))
        }
        let tag = PQcmdStatus(result).map { String(cString: $0) } ?? ""
        let affected = PQcmdTuples(result).flatMap { Int(String(cString: $0)) } ?? 0
        return PostgresResult(rows: rows, columnNames: names, affectedRows: affected, commandTag: tag)
    }

    /// The server's diagnostic fields (protocol ErrorResponse field codes: C, M, D, n).
    private static func error(from result: OpaquePointer, handle: OpaquePointer, sql: String) -> PostgresError {
        func field(_ code: UInt8) -> String? {
            PQresultErrorField(result, Int32(code)).map { String(cString: $0) }
        }
        let lost = PQstatus(handle) != CONNECTION_OK
        let message = field(UInt8(ascii: "M")) ?? libpqMessage(handle)
        return PostgresError(
            kind: lost ? .connectionLost : .server, sqlState: field(UInt8(ascii: "C")).map(SQLState.init(rawValue:)),
            message: message, detail: field(UInt8(ascii: "D")), constraint: field(UInt8(ascii: "n")), sql: sql)
    }
}
