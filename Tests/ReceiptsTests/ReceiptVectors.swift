import Foundation
import JSON
import Receipts
import Testing

/// One positive vector file (vectors/receipts/README.md).
struct PositiveVector: Sendable, CustomTestStringConvertible {
    let name: String
    let document: JSONValue

    var testDescription: String { name }

    func string(_ key: String) throws -> String { try #require(document[key]?.stringValue) }
    var payload: JSONValue { document["payload"] ?? .null }
}

/// One case of negative.json.
struct NegativeCase: Sendable, CustomTestStringConvertible {
    let value: JSONValue
    var name: String { value["name"]?.stringValue ?? "?" }
    var testDescription: String { name }
}

/// Loads vector files with our own parser: Foundation would blur `1` and `1.0`.
enum ReceiptVectors {
    static let positiveNames = [
        "sample_receipt_signed", "v01_coordinator_receipt", "v02_lists_and_nulls", "v03_numbers",
        "v04_unicode", "v05_attestation", "v06_optional_fields",
    ]

    static func load(_ name: String) throws -> JSONValue {
        let url = try #require(Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Vectors"))
        let data = try Data(contentsOf: url)
        return try JSONParser(limits: .init(maxInputBytes: 1 << 20)).parse(Array(data))
    }

    static let positives: [PositiveVector] = positiveNames.compactMap { name in
        (try? load(name)).map { PositiveVector(name: name, document: $0) }
    }

    static let negatives: [NegativeCase] = ((try? load("negative"))?["cases"]?.arrayValue ?? []).map(NegativeCase.init)
}
