/// A PostgreSQL type OID (`pg_type.oid`), for parameters we send and columns we receive.
public struct PostgresType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The OID.
    public let rawValue: UInt32
    /// Wraps an OID.
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// 0: let the server infer the parameter's type from the statement (used for text and NULL,
    /// so a string can go into a `text`, `varchar`, `jsonb`, `uuid` or `timestamptz` column).
    public static let unspecified = PostgresType(rawValue: 0)
    /// `bool`.
    public static let bool = PostgresType(rawValue: 16)
    /// `bytea`.
    public static let bytea = PostgresType(rawValue: 17)
    /// `name`.
    public static let name = PostgresType(rawValue: 19)
    /// `int8` / `bigint`.
    public static let int8 = PostgresType(rawValue: 20)
    /// `int2` / `smallint`.
    public static let int2 = PostgresType(rawValue: 21)
    /// `int4` / `integer`.
    public static let int4 = PostgresType(rawValue: 23)
    /// `text`.
    public static let text = PostgresType(rawValue: 25)
    /// `oid`.
    public static let oid = PostgresType(rawValue: 26)
    /// `json`.
    public static let json = PostgresType(rawValue: 114)
    /// `float4` / `real`.
    public static let float4 = PostgresType(rawValue: 700)
    /// `float8` / `double precision`.
    public static let float8 = PostgresType(rawValue: 701)
    /// `varchar`.
    public static let varchar = PostgresType(rawValue: 1043)
    /// `timestamptz`.
    public static let timestamptz = PostgresType(rawValue: 1184)
    /// `numeric`.
    public static let numeric = PostgresType(rawValue: 1700)
    /// `uuid`.
    public static let uuid = PostgresType(rawValue: 2950)
    /// `jsonb`.
    public static let jsonb = PostgresType(rawValue: 3802)

    /// Whether values are whole numbers (`int2`, `int4`, `int8`, `oid`).
    var isInteger: Bool { self == .int2 || self == .int4 || self == .int8 || self == .oid }

    /// The type's name for the common OIDs, else `oid <n>`.
    public var description: String {
        switch self {
        case .unspecified: "unspecified"
        case .bool: "bool"
        case .bytea: "bytea"
        case .name: "name"
        case .int8: "int8"
        case .int2: "int2"
        case .int4: "int4"
        case .text: "text"
        case .oid: "oid"
        case .json: "json"
        case .float4: "float4"
        case .float8: "float8"
        case .varchar: "varchar"
        case .timestamptz: "timestamptz"
        case .numeric: "numeric"
        case .uuid: "uuid"
        case .jsonb: "jsonb"
        default: "oid \(rawValue)"
        }
    }
}

/// One value in PostgreSQL's text format: a parameter to send or a column received.
/// `text == nil` is SQL NULL.
public struct PostgresValue: Sendable, Hashable {
    /// The type: sent with a parameter, reported for a column.
    public var type: PostgresType
    /// The text form, nil for NULL.
    public var text: String?

    /// A value of `type` in text form.
    public init(type: PostgresType, text: String?) {
        self.type = type
        self.text = text
    }

    /// NULL, its type left to the server.
    public static let null = PostgresValue(type: .unspecified, text: nil)
}
