import HTTP1
import Foundation

/// Parses what `nvidia-smi` prints, so the probe never trusts its format blindly.
///
/// The query is `nvidia-smi --query-gpu=<queryFields> --format=csv,noheader,nounits`; the
/// CUDA version only appears in the plain `nvidia-smi` banner (`CUDA Version: 12.4`).
public enum NvidiaSMIParser {
    /// Fields requested from `--query-gpu`, in the order `parseGPUs` expects them.
    public static let queryFields = "index,uuid,name,memory.total,memory.free,driver_version,compute_cap"

    /// Arguments for the GPU query.
    public static let queryArguments = ["--query-gpu=\(queryFields)", "--format=csv,noheader,nounits"]

    /// Why a query's output was not usable; the probe then reports no GPUs.
    public enum Error: Swift.Error, Equatable {
        /// A line did not have the requested number of fields (often an error message).
        case unexpectedFieldCount(line: Int, found: Int)
        /// The index field was not a non-negative integer.
        case invalidIndex(line: Int)
        /// A memory field was neither an integer (optionally followed by `MiB`) nor `[N/A]`.
        case invalidMemory(line: Int)
    }

    /// Parses the CSV query output into GPUs. Blank lines are skipped; any malformed line
    /// rejects the whole output, since half a GPU list would mis-advertise the host.
    /// - Throws: `NvidiaSMIParser.Error` naming the line.
    public static func parseGPUs(csv: String) throws(Error) -> [GPUInfo] {
        var gpus: [GPUInfo] = []
        let expected = queryFields.split(separator: ",").count
        for (offset, rawLine) in csv.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = Substring(rawLine.trimmingWhitespace())
            if line.isEmpty { continue }
            let fields = splitCSV(line)
            guard fields.count == expected else { throw .unexpectedFieldCount(line: offset + 1, found: fields.count) }
            guard let index = Int(fields[0]), index >= 0 else { throw .invalidIndex(line: offset + 1) }
            let total = try memory(fields[3], line: offset + 1)
            let free = try memory(fields[4], line: offset + 1)
            gpus.append(
                GPUInfo(
                    index: index, uuid: fields[1], name: fields[2], memoryMB: total, memoryFreeMB: free,
                    driver: optional(fields[5]), computeCap: optional(fields[6])))
        }
        return gpus
    }

    /// The `X.Y` after `CUDA Version:` in the banner, or nil when absent.
    public static func parseCUDAVersion(banner: String) -> String? {
        guard let range = banner.range(of: "CUDA Version:") else { return nil }
        let version = banner[range.upperBound...].drop(while: { $0 == " " }).prefix(while: { $0.isNumber || $0 == "." })
        return version.isEmpty ? nil : String(version)
    }

    /// Splits one CSV line, honouring double quotes (names with commas) and trimming fields.
    static func splitCSV(_ line: Substring) -> [String] {
        var fields: [String] = []
        var current = ""
        var quoted = false
        var iterator = line.makeIterator()
        while let character = iterator.next() {
            switch character {
            case "\"" where quoted:
                quoted = false
            case "\"" where current.allSatisfy(\.isWhitespace):
                current = ""
                quoted = true
            case "," where !quoted:
                fields.append(current.trimmingWhitespace())
                current = ""
            default:
                current.append(character)
            }
        }
        fields.append(current.trimmingWhitespace())
        return fields
    }

    private static func optional(_ field: String) -> String? {
        field.isEmpty || field.hasPrefix("[") ? nil : field
    }

    /// `81559`, `81559 MiB` → 81559; `[N/A]`, `[Not Supported]` → nil.
    private static func memory(_ field: String, line: Int) throws(Error) -> Int? {
        if field.hasPrefix("[") { return nil }
        var digits = Substring(field)
        if digits.hasSuffix("MiB") { digits = digits.dropLast(3) }
        guard let value = Int(digits.trimmingWhitespace()), value >= 0 else { throw .invalidMemory(line: line) }
        return value
    }
}
