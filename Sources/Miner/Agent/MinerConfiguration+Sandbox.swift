import Foundation
import Glibc
import ServiceRuntime

extension MinerConfiguration {
    /// `sandbox.job_user` as configured.
    public enum JobUserSetting: Sendable, Equatable {
        /// A root (or CAP_SETUID) miner uses `JobUserRange.autoBase`; an unprivileged one
        /// warns and runs jobs as itself.
        case auto
        /// Jobs run as the miner's uid (refused when the miner is root).
        case none
        /// The first uid/gid of the range (a user name is resolved at load time).
        case ids(uid: UInt32, gid: UInt32)
    }

    /// Reads the `sandbox.*` settings.
    /// - Throws: `ConfigurationError` naming the bad setting.
    static func sandboxSettings(_ reader: ConfigurationReader) throws(ConfigurationError)
        -> (SandboxSettings, JobUserSetting, jobUserCount: Int)
    {
        func mode(_ key: String) throws(ConfigurationError) -> SandboxSettings.Mode {
            let text = reader.string(key, default: "auto").trimmingCharacters(in: .whitespaces).lowercased()
            guard let mode = SandboxSettings.Mode(rawValue: text) else { throw .invalid(setting: key, reason: "must be auto, required or off") }
            return mode
        }
        var settings = SandboxSettings(landlock: try mode("sandbox.landlock"), pidNamespace: try mode("sandbox.pid_namespace"))
        if let raw = reader.string("sandbox.landlock_read_paths") {
            settings.landlockReadPaths = try absolutePaths(raw, key: "sandbox.landlock_read_paths")
        }
        if let raw = reader.string("sandbox.landlock_write_paths") {
            settings.landlockWritePaths = try absolutePaths(raw, key: "sandbox.landlock_write_paths")
        }
        settings.requireJobUser = try reader.bool("sandbox.require_job_user", default: false)
        settings.orphanSweepInterval = try reader.duration("sandbox.orphan_sweep_interval_s", default: .seconds(2), range: 0.05...3600)
        let user = try jobUser(reader.string("sandbox.job_user", default: "auto"))
        let count = try reader.int("sandbox.job_user_count", default: 0, range: 0...4096)
        return (settings, user, count)
    }

    private static func absolutePaths(_ raw: String, key: String) throws(ConfigurationError) -> [String] {
        let paths = try listItems(raw, setting: key)
        guard paths.allSatisfy({ $0.hasPrefix("/") }) else { throw .invalid(setting: key, reason: "every path must be absolute") }
        return paths
    }

    /// `auto`, `none`, `<uid>[:<gid>]` or a user name (its uid and primary gid).
    private static func jobUser(_ raw: String) throws(ConfigurationError) -> JobUserSetting {
        let key = "sandbox.job_user"
        let text = raw.trimmingCharacters(in: .whitespaces)
        switch text.lowercased() {
        case "auto": return .auto
        case "none": return .none
        default: break
        }
        if let first = text.first, first.isNumber {
            let parts = text.split(separator: ":", omittingEmptySubsequences: false)
            guard (1...2).contains(parts.count), let uid = UInt32(parts[0]), let gid = parts.count == 2 ? UInt32(parts[1]) : uid else {
                throw .invalid(setting: key, reason: "must be auto, none, a user name or <uid>[:<gid>]")
            }
            guard uid != 0, gid != 0 else { throw .invalid(setting: key, reason: "jobs never run as uid or gid 0") }
            return .ids(uid: uid, gid: gid)
        }
        guard let entry = getpwnam(text) else { throw .invalid(setting: key, reason: "no such user") }
        let (uid, gid) = (entry.pointee.pw_uid, entry.pointee.pw_gid)
        guard uid != 0, gid != 0 else { throw .invalid(setting: key, reason: "jobs never run as uid or gid 0") }
        return .ids(uid: uid, gid: gid)
    }

    /// The job-user range for `slots` concurrent jobs; nil when jobs run as the miner.
    func jobUserRange(slots: Int) -> JobUserRange? {
        let count = jobUserCount > 0 ? jobUserCount : slots
        switch jobUser {
        case .none: return nil
        case .auto: return JobUserRange(uid: JobUserRange.autoBase, gid: JobUserRange.autoBase, count: count)
        case .ids(let uid, let gid): return JobUserRange(uid: uid, gid: gid, count: count)
        }
    }
}
