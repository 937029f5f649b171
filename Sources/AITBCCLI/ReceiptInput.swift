import Foundation
import JSON
public import Receipts

/// Reads the receipt a command works on: a file or `-` for stdin, holding either a bare
/// receipt (`signature`/`attestations` beside the fields) or a vector file
/// (`payload`, `signature`, `attestations`; see vectors/receipts/README.md).
public enum ReceiptInput {
    /// Largest input accepted (16 MiB); receipts are far smaller.
    public static let maxBytes = 16 << 20

    /// Reads and parses the receipt at `path` (`-` = standard input).
    /// - Throws: `CLIError` naming the file and the problem.
    public static func load(path: String, maxBytes: Int = ReceiptInput.maxBytes) throws(CLIError) -> Receipt {
        let bytes = try read(path: path, maxBytes: maxBytes)
        return try parse(bytes, source: path == "-" ? "stdin" : path, maxBytes: maxBytes)
    }

    /// Parses receipt text; `source` names it in messages.
    /// - Throws: `CLIError`.
    public static func parse(_ bytes: [UInt8], source: String, maxBytes: Int = ReceiptInput.maxBytes) throws(CLIError) -> Receipt {
        let document: JSONValue
        do {
            document = try JSONParser(limits: .init(maxInputBytes: maxBytes)).parse(bytes)
        } catch {
            throw CLIError("\(source): invalid JSON: \(error)")
        }
        guard case .object = document else { throw CLIError("\(source): a receipt must be a JSON object") }
        if let payload = document["payload"], document["version"] == nil, document["receipt_id"] == nil {
            guard case .object(let members) = payload else { throw CLIError("\(source): payload must be a JSON object") }
            return Receipt(payload: members, signature: document["signature"], attestations: document["attestations"])
        }
        do {
            return try Receipt(json: document)
        } catch {
            throw CLIError("\(source): \(error)")
        }
    }

    /// Why `path` could not be opened, in words a user can act on.
    static func openFailure(_ path: String) -> String {
        guard FileManager.default.fileExists(atPath: path) else { return "cannot open file: no such file" }
        if !FileManager.default.isReadableFile(atPath: path) { return "cannot open file: permission denied" }
        return "cannot open file"
    }

    /// Reads at most `maxBytes` from a file or stdin.
    /// - Throws: `CLIError` when the file cannot be read or is larger than `maxBytes`.
    static func read(path: String, maxBytes: Int) throws(CLIError) -> [UInt8] {
        let handle: FileHandle
        if path == "-" {
            handle = FileHandle.standardInput
        } else {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
                throw CLIError("\(path): is a directory, not a file")
            }
            guard let file = FileHandle(forReadingAtPath: path) else { throw CLIError("\(path): \(openFailure(path))") }
            handle = file
        }
        defer { if path != "-" { try? handle.close() } }
        var bytes: [UInt8] = []
        let source = path == "-" ? "stdin" : path
        while true {
            let chunk: Data?
            do {
                chunk = try handle.read(upToCount: 1 << 16)
            } catch {
                throw CLIError("\(source): read failed: \(error.localizedDescription)")
            }
            guard let chunk, !chunk.isEmpty else { break }
            bytes.append(contentsOf: chunk)
            guard bytes.count <= maxBytes else { throw CLIError("\(source): input exceeds the limit of \(maxBytes) bytes") }
        }
        return bytes
    }
}
