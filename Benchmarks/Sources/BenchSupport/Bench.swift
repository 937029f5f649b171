import Foundation

/// What every bench tool says and measures the same way (ChainBench, WalletBench): failures,
/// notes, clocks, CPU of this and other processes, the machine's load.
public enum Bench {
    /// Prints `<tool>: message` to standard error and exits 1.
    public static func fail(_ message: String) -> Never {
        let tool = CommandLine.arguments.first?.split(separator: "/").last.map(String.init) ?? "bench"
        FileHandle.standardError.write(Data("\(tool): \(message)\n".utf8))
        exit(1)
    }

    /// A line on standard error (progress, not results).
    public static func note(_ message: String) {
        FileHandle.standardError.write(Data("\(message)\n".utf8))
    }

    /// Seconds on the monotonic clock.
    public static func now() -> Double { seconds(CLOCK_MONOTONIC) }

    /// CPU seconds (user + system) of every thread of this process.
    public static func processCPUSeconds() -> Double { seconds(CLOCK_PROCESS_CPUTIME_ID) }

    /// CPU seconds of the calling thread.
    public static func threadCPUSeconds() -> Double { seconds(CLOCK_THREAD_CPUTIME_ID) }

    /// CPU seconds (utime + stime) of another process, from /proc/PID/stat; nil when unreadable.
    public static func cpuSeconds(pid: Int32) -> Double? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = text.lastIndex(of: ")")
        else { return nil }
        // Fields after "comm)": state is field 3, utime 14, stime 15 (1-based).
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// The first three fields of /proc/loadavg.
    public static func loadAverage() -> String {
        let text = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? ""
        return text.split(separator: " ").prefix(3).joined(separator: " ")
    }

    private static func seconds(_ clock: clockid_t) -> Double {
        var spec = timespec()
        clock_gettime(clock, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }
}

/// Summaries every bench prints.
public enum Stats {
    /// The `p` quantile (0…1) of `sorted` by nearest rank.
    public static func quantile(_ sorted: [Double], _ p: Double) -> Double {
        guard !sorted.isEmpty else { return .nan }
        let rank = Int((p * Double(sorted.count)).rounded(.up))
        return sorted[min(sorted.count - 1, max(0, rank - 1))]
    }

    /// The median (nearest rank).
    public static func median(_ values: [Double]) -> Double { quantile(values.sorted(), 0.5) }

    /// `value` with `digits` decimals.
    public static func format(_ value: Double, _ digits: Int = 2) -> String { String(format: "%.\(digits)f", value) }

    /// `1,234,567`.
    public static func grouped(_ value: Double) -> String {
        guard value.isFinite else { return "\(value)" }
        let formatter = NumberFormatter()
        formatter.numberStyle = .decimal
        formatter.maximumFractionDigits = 0
        formatter.groupingSeparator = ","
        return formatter.string(from: NSNumber(value: value.rounded())) ?? String(Int(value))
    }
}
