import JSON

/// A JSON object the user hands a command in a file (or `-` for stdin): a job payload,
/// constraints.
enum JSONInputFile {
    /// Largest file read; the coordinator refuses bodies over its `MAX_BODY_BYTES` (1 MiB by
    /// default) anyway, this only bounds what the command holds.
    static let maxBytes = 16 << 20

    /// The JSON object in `path`.
    /// - Throws: `ServiceFailure` (exit 2) naming the option, the file and the problem.
    static func object(at path: String, option: String) throws(ServiceFailure) -> JSONValue {
        let bytes: [UInt8]
        do {
            bytes = try ReceiptInput.read(path: path, maxBytes: maxBytes)
        } catch {
            throw ServiceFailure(.usage, "\(option) \(error.message)")
        }
        let source = path == "-" ? "stdin" : path
        let value: JSONValue
        do {
            value = try JSONParser(limits: .init(maxInputBytes: maxBytes)).parse(bytes)
        } catch {
            throw ServiceFailure(.usage, "\(option) \(source): invalid JSON: \(error)")
        }
        guard case .object = value else { throw ServiceFailure(.usage, "\(option) \(source): must hold a JSON object") }
        return value
    }
}
