import BenchSupport
import Foundation

extension Bench {
    /// A `kB` field of /proc/PID/status (`VmRSS`, `VmHWM`), in KiB; nil when unreadable.
    static func statusKiB(pid: Int32, _ field: String) -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(field + ":") {
            return Int(line.dropFirst(field.count + 1).split(whereSeparator: \.isWhitespace).first ?? "")
        }
        return nil
    }

    /// CPU seconds of each thread of a process, summed by thread name (`/proc/PID/task/*/stat`,
    /// the name is `comm`: event loops, the dispatch pool, SQLite queues).
    static func threadCPU(pid: Int32) -> [String: Double] {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
        var result: [String: Double] = [:]
        for task in tasks {
            guard let text = try? String(contentsOfFile: "/proc/\(pid)/task/\(task)/stat", encoding: .utf8),
                let open = text.firstIndex(of: "("), let close = text.lastIndex(of: ")")
            else { continue }
            let name = String(text[text.index(after: open)..<close])
            let fields = text[text.index(after: close)...].split(separator: " ")
            guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { continue }
            result[name, default: 0] += (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
        }
        return result
    }

    /// `after − before` per thread name, largest first, as "name 1.23 s; …" (threads that
    /// started and ended inside the window are missing: only live threads are read).
    static func threadCPUDelta(_ before: [String: Double], _ after: [String: Double], per count: Int) -> String {
        after.map { ($0.key, $0.value - (before[$0.key] ?? 0)) }.filter { $0.1 > 0 }.sorted { $0.1 > $1.1 }
            .map { "\($0.0) \(Stats.format($0.1 / Double(count) * 1e6, 1)) µs" }.joined(separator: "; ")
    }

    /// A /proc file read to its end with read(2) (its size reads as 0, so Foundation's readers
    /// may stop after the first page).
    static func readProcFile(_ path: String) -> String? {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let got = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if got < 0, errno == EINTR { continue }
            guard got > 0 else { break }
            bytes += chunk[0..<got]
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Threads of a process now.
    static func threadCount(pid: Int32) -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task").count) ?? 0
    }

    /// The output of `uptime` (the brief asks for it with every figure), else /proc/loadavg.
    static func uptime() -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/uptime")
        let pipe = Pipe()
        process.standardOutput = pipe
        do {
            try process.run()
        } catch {
            return "load average: \(loadAverage())"
        }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// "load 1.23 0.98 0.76" for a figure's line.
    static func loadNote() -> String { "load \(loadAverage())" }
}

/// A value shared across threads under its own lock.
final class UnsafeSendableBox<Value>: @unchecked Sendable {
    var value: Value
    let lock = NSLock()
    init(_ value: Value) { self.value = value }

    func with<T>(_ body: (inout Value) -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body(&value)
    }
}

/// WalletBench's own summaries.
extension Stats {
    /// KiB as "12,345 KiB (12.1 MiB)".
    static func kib(_ value: Int) -> String { "\(grouped(Double(value))) KiB (\(format(Double(value) / 1_024, 1)) MiB)" }
}
