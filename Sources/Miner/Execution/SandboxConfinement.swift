import CLinuxShims
import Glibc
import ServiceRuntime

/// What the sandbox actually does on this host, decided once when the executor is built from
/// `SandboxSettings` and what the kernel and the miner's privileges allow.
public struct SandboxConfinement: Sendable, Equatable {
    /// Landlock ABI used for jobs; 0: none.
    public var landlockABI: Int32
    /// Whether each job gets its own PID namespace.
    public var pidNamespace: Bool
    /// The uids jobs run as; nil: the miner's own uid.
    public var jobUsers: JobUserRange?
    /// One line per mechanism the settings asked for (`auto`) that this host cannot provide;
    /// the daemon logs each at warning level.
    public var warnings: [String]
    /// Why a `required` mechanism is unavailable: the daemon refuses to start and every CLI
    /// job fails `E_RUNTIME` (fail closed). nil when everything required is in place.
    public var failure: String?

    /// Probes the host for what `settings` ask.
    /// - Parameters:
    ///   - workspaceRoot: checked to be reachable by the job users.
    ///   - slots: how many jobs may run at once (the job-user range must cover them).
    public static func resolve(_ settings: SandboxSettings, workspaceRoot: String, slots: Int) -> SandboxConfinement {
        var result = SandboxConfinement(landlockABI: 0, pidNamespace: false, jobUsers: nil, warnings: [], failure: nil)
        func unavailable(_ mode: SandboxSettings.Mode, _ reason: String) {
            if mode == .required {
                result.failure = result.failure ?? reason
            } else {
                result.warnings.append(reason)
            }
        }
        if settings.landlock != .off {
            let abi = clinux_landlock_abi()
            if abi > 0 {
                result.landlockABI = abi
            } else {
                unavailable(
                    settings.landlock,
                    "sandbox.landlock: the kernel offers no Landlock (\(String(cString: strerror(-abi)))); jobs can read every file their uid can")
            }
        }
        if settings.pidNamespace != .off {
            // Forks a child and reaps it by pid: no orphan sweep while it exists.
            let code = SpawnRegistry.holding { clinux_probe_pid_namespace() }
            if code == 0 {
                result.pidNamespace = true
            } else {
                unavailable(
                    settings.pidNamespace,
                    "sandbox.pid_namespace: cannot create PID namespaces (\(String(cString: strerror(code))); needs CAP_SYS_ADMIN); "
                        + "a job's processes that leave its group are killed by its reaper only while the reaper lives")
            }
        }
        if let users = settings.jobUsers {
            let mode: SandboxSettings.Mode = settings.requireJobUser ? .required : .auto
            if users.uid == 0 || users.gid == 0 {
                result.failure = result.failure ?? "sandbox.job_user: jobs never run as uid or gid 0"
            } else if !users.isRepresentable {
                result.failure =
                    result.failure
                    ?? "sandbox.job_user: \(users.uid)+\(users.count) ids go past 2147483647 (they would wrap to uid 0); choose a lower first id"
            } else if users.contains(uid: geteuid()) {
                result.failure = result.failure ?? "sandbox.job_user: the range includes the miner's own uid \(geteuid())"
            } else if users.count < slots {
                result.failure = result.failure ?? "sandbox.job_user_count: \(users.count) ids for \(slots) job slots (one per slot)"
            } else if case let code = SpawnRegistry.holding({ clinux_probe_setuid(users.uid, users.gid) }), code != 0 {
                // The probe forks: only once the static checks above hold.
                unavailable(
                    mode,
                    "sandbox.job_user: cannot switch to uid \(users.uid) (\(String(cString: strerror(code))); needs CAP_SETUID and CAP_SETGID); "
                        + "jobs run as the miner's uid \(geteuid()) and can read its key, configuration and state files")
            } else if case let blocked = untraversableAncestors(workspaceRoot), !blocked.isEmpty {
                result.failure = result.failure ?? unreachableRootMessage(workspaceRoot, blocked: blocked)
            } else {
                result.jobUsers = users
            }
        }
        return result
    }

    /// Every existing ancestor of `path`, outermost first (the root itself excluded: the miner
    /// makes it 0711), that a uid other than its owner and group cannot search; empty when all
    /// can. All of them, so one start-up error names every `chmod` needed.
    static func untraversableAncestors(_ path: String) -> [String] {
        var current = path
        if !current.hasPrefix("/") {
            var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            guard getcwd(&buffer, buffer.count) != nil else { return ["."] }
            current = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) + "/" + current
        }
        var blocked: [String] = []
        while true {
            guard let slash = current.lastIndex(of: "/") else { break }
            current = slash == current.startIndex ? "/" : String(current[..<slash])
            var info = stat()
            if stat(current, &info) == 0, info.st_mode & S_IXOTH == 0 { blocked.append(current) }
            if current == "/" { break }
        }
        return blocked.reversed()
    }

    /// The start-up error for `blocked` ancestors of `root`, with the command that fixes it.
    static func unreachableRootMessage(_ root: String, blocked: [String]) -> String {
        let list = blocked.joined(separator: ", ")
        let verb = blocked.count == 1 ? "is" : "are"
        return "sandbox.job_user: the job users cannot reach workspace.root \(root): \(list) \(verb) not searchable by others "
            + "(fix: chmod o+x \(blocked.joined(separator: " ")))"
    }
}
