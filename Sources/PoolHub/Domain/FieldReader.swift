import JSON

/// Reads the members of one JSON object with the checks every pool-hub body shares: null is
/// "absent", numbers must be finite and (unless allowed) ≥ 0, integers fit their range, strings
/// and lists stay under their limits. Field names in errors are the wire names.
struct FieldReader {
    let value: JSONValue

    /// A reader over `value`, which must be an object.
    /// - Throws: `PoolHubError.wrongType` naming `field` otherwise.
    init(_ value: JSONValue, field: String) throws(PoolHubError) {
        guard case .object = value else { throw .wrongType(field: field, expected: "an object") }
        self.value = value
    }

    /// The first of `names` present with a non-null value, and the name it was found under.
    func member(_ names: [String]) -> (name: String, value: JSONValue)? {
        for name in names {
            if let found = value[name], !found.isNull { return (name, found) }
        }
        return nil
    }

    func number(_ names: String..., allowNegative: Bool = false) throws(PoolHubError) -> Double? {
        guard let (name, found) = member(names) else { return nil }
        guard let number = found.doubleValue else { throw .wrongType(field: name, expected: "a number") }
        return try Validate.number(number, field: name, allowNegative: allowNegative)
    }

    func integer(_ names: String..., range: ClosedRange<Int>) throws(PoolHubError) -> Int? {
        guard let (name, found) = member(names) else { return nil }
        switch found {
        case .integer(let integer):
            guard let value = integer.intValue, range.contains(value) else { throw .integerOutOfRange(field: name, range: range) }
            return value
        case .float(let double):
            // pydantic's lax mode takes 4.0 for an int; a fraction is an error.
            guard double.isFinite else { throw .nonFiniteNumber(field: name) }
            guard double.rounded(.towardZero) == double, Double(range.lowerBound) <= double, double <= Double(range.upperBound)
            else { throw .integerOutOfRange(field: name, range: range) }
            return Int(double)
        default:
            throw .wrongType(field: name, expected: "an integer")
        }
    }

    func string(_ names: String..., maxBytes: Int) throws(PoolHubError) -> String? {
        guard let (name, found) = member(names) else { return nil }
        guard let text = found.stringValue else { throw .wrongType(field: name, expected: "a string") }
        return try Validate.string(text, field: name, maxBytes: maxBytes)
    }

    func bool(_ name: String) throws(PoolHubError) -> Bool? {
        guard let (name, found) = member([name]) else { return nil }
        guard let flag = found.boolValue else { throw .wrongType(field: name, expected: "true or false") }
        return flag
    }

    /// A list of strings; a single string is taken as a list of one when `singleAllowed`.
    func stringList(_ name: String, maxItems: Int, maxBytes: Int, singleAllowed: Bool = false) throws(PoolHubError) -> [String]? {
        guard let (name, found) = member([name]) else { return nil }
        if singleAllowed, let single = found.stringValue {
            return [try Validate.string(single, field: name, maxBytes: maxBytes)]
        }
        guard let items = found.arrayValue else { throw .wrongType(field: name, expected: "a list of strings") }
        guard items.count <= maxItems else { throw .tooManyItems(field: name, limit: maxItems) }
        var result: [String] = []
        result.reserveCapacity(items.count)
        for item in items {
            guard let text = item.stringValue else { throw .wrongType(field: name, expected: "a list of strings") }
            result.append(try Validate.string(text, field: name, maxBytes: maxBytes))
        }
        return result
    }
}

/// The checks shared by the JSON readers and the Swift initializers (which can be handed NaN).
enum Validate {
    static func number(_ value: Double, field: String, allowNegative: Bool = false) throws(PoolHubError) -> Double {
        // A huge integer literal converts to ±inf: refused as non-finite, like NaN.
        guard value.isFinite else { throw .nonFiniteNumber(field: field) }
        guard allowNegative || value >= 0 else { throw .negativeNumber(field: field) }
        return value
    }

    static func optionalNumber(_ value: Double?, field: String) throws(PoolHubError) -> Double? {
        guard let value else { return nil }
        return try number(value, field: field)
    }

    static func integer(_ value: Int, field: String, range: ClosedRange<Int>) throws(PoolHubError) -> Int {
        guard range.contains(value) else { throw .integerOutOfRange(field: field, range: range) }
        return value
    }

    static func optionalInteger(_ value: Int?, field: String, range: ClosedRange<Int>) throws(PoolHubError) -> Int? {
        guard let value else { return nil }
        return try integer(value, field: field, range: range)
    }

    static func string(_ value: String, field: String, maxBytes: Int) throws(PoolHubError) -> String {
        guard value.utf8.count <= maxBytes else { throw .stringTooLong(field: field, limit: maxBytes) }
        return value
    }

    static func optionalString(_ value: String?, field: String, maxBytes: Int) throws(PoolHubError) -> String? {
        guard let value else { return nil }
        return try string(value, field: field, maxBytes: maxBytes)
    }
}
