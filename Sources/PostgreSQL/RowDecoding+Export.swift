// `RowDecodingError` is part of this module's API (every `Row` read throws it); users of PostgreSQL
// get it without importing RowDecoding themselves.
@_exported public import RowDecoding
