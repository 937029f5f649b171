import Foundation

/// Who a recorded process group leader was: the boot it ran in and its start time, so recovery
/// never kills a process group whose id was reused — after a reboot, or by the kernel handing
/// the number to an unrelated process while the miner was down.
public struct ProcessIdentity: Sendable, Equatable {
    /// `/proc/sys/kernel/random/boot_id` when recorded.
    public var bootID: String
    /// Field 22 of `/proc/<pid>/stat` (start time in clock ticks since boot).
    public var startTicks: Int64

    /// Creates an identity from its parts.
    public init(bootID: String, startTicks: Int64) {
        self.bootID = bootID
        self.startTicks = startTicks
    }

    /// The identity of live process `pid`, or nil when it is gone or /proc is unreadable.
    public static func of(pid: Int32) -> ProcessIdentity? {
        guard let boot = currentBootID(), let ticks = startTicks(pid: pid) else { return nil }
        return ProcessIdentity(bootID: boot, startTicks: ticks)
    }

    /// This boot's id.
    static func currentBootID() -> String? {
        (try? String(contentsOfFile: "/proc/sys/kernel/random/boot_id", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Start time of `pid` from `/proc/<pid>/stat`. The command name (field 2) may hold spaces
    /// and parentheses, so fields are counted after its last `)`.
    static func startTicks(pid: Int32) -> Int64? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // After the name: field 3 (state) is fields[0], so field 22 is fields[19].
        return fields.count > 19 ? Int64(fields[19]) : nil
    }
}
