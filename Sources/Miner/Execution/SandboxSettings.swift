/// How far the sandbox confines a CLI job beyond rlimits and its own process group
/// (docs/miner.md "Sandbox confinement"). Each mechanism depends on the kernel or on
/// privileges the miner may lack, hence a mode per mechanism.
public struct SandboxSettings: Sendable, Equatable {
    /// Whether a confinement mechanism is used.
    public enum Mode: String, Sendable, Equatable, CaseIterable {
        /// Used when the host offers it; otherwise jobs run without it and the miner logs why.
        case auto
        /// Used, or the miner refuses to start (and every CLI job fails `E_RUNTIME`).
        case required
        /// Never used.
        case off
    }

    /// Landlock: reads (and executes) only beneath `landlockReadPaths`, everything only inside
    /// the job's own directory (plus `/dev/null`).
    public var landlock: Mode
    /// Directories and files a job may read and execute under Landlock; missing ones are skipped.
    /// The tool's own executable is always added.
    public var landlockReadPaths: [String]
    /// Paths a job may also write (and ioctl) under Landlock besides its own `work/` and
    /// `output/`: by default the NVIDIA device nodes CUDA opens; missing ones are skipped.
    public var landlockWritePaths: [String]
    /// A PID namespace per job whose init is the job's reaper: when it ends, the kernel kills
    /// every process of the job, and the job cannot kill it (needs CAP_SYS_ADMIN).
    public var pidNamespace: Mode
    /// The unprivileged uids/gids jobs run as; nil runs jobs as the miner's own uid.
    public var jobUsers: JobUserRange?
    /// Refuse to start (and fail CLI jobs) when the miner cannot switch to `jobUsers`.
    public var requireJobUser: Bool
    /// How often the miner (a child subreaper) kills the orphans jobs left it, besides right
    /// after each job (`OrphanSweeper`).
    public var orphanSweepInterval: Duration

    /// What a job needs of the host to load and run ordinary tools: binaries, shared
    /// libraries, the loader cache, time zones, locales; nothing of `/etc` that names users,
    /// hosts or secrets.
    public static let defaultReadPaths = [
        "/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d",
        "/etc/localtime", "/etc/alternatives", "/dev/zero", "/dev/urandom", "/dev/random",
    ]

    /// NVIDIA's control, UVM and per-GPU nodes (`/dev/nvidia0` … `/dev/nvidia15`).
    public static let defaultWritePaths =
        ["/dev/nvidiactl", "/dev/nvidia-uvm", "/dev/nvidia-uvm-tools", "/dev/nvidia-modeset", "/dev/nvidia-caps"]
        + (0..<16).map { "/dev/nvidia\($0)" }

    /// The settings a `JobExecutor` gets unless told otherwise: kernel confinement where the
    /// host has it, jobs as the miner's uid (the daemon's configuration picks a job user).
    public init(
        landlock: Mode = .auto, landlockReadPaths: [String] = SandboxSettings.defaultReadPaths,
        landlockWritePaths: [String] = SandboxSettings.defaultWritePaths, pidNamespace: Mode = .auto,
        jobUsers: JobUserRange? = nil, requireJobUser: Bool = false, orphanSweepInterval: Duration = .seconds(2)
    ) {
        self.orphanSweepInterval = orphanSweepInterval
        self.landlock = landlock
        self.landlockReadPaths = landlockReadPaths
        self.landlockWritePaths = landlockWritePaths
        self.pidNamespace = pidNamespace
        self.jobUsers = jobUsers
        self.requireJobUser = requireJobUser
    }
}

/// Consecutive uids (and gids) `uid ..< uid + count`, one per concurrently running job, so one
/// job can never read another's folder or signal its processes.
public struct JobUserRange: Sendable, Equatable {
    /// First uid.
    public var uid: UInt32
    /// First gid.
    public var gid: UInt32
    /// How many consecutive ids (at least the number of job slots).
    public var count: Int

    /// A range; `count` is at least 1.
    public init(uid: UInt32, gid: UInt32, count: Int) {
        self.uid = uid
        self.gid = gid
        self.count = max(1, count)
    }

    /// The `auto` default for a miner started as root: far above every distribution's system and
    /// login ranges and above systemd's container range (ends at 1879048191), below 2^31 so
    /// no tool reads it as negative.
    public static let autoBase: UInt32 = 2_000_000_000

    /// Whether every uid and gid of the range is a valid id above 0 and at most 2^31 − 1: a
    /// range that wrapped would hand a job uid 0 (root) or `(uid_t)-1` ("unchanged").
    public var isRepresentable: Bool {
        uid != 0 && gid != 0 && UInt64(uid) + UInt64(count) - 1 <= UInt64(Int32.max)
            && UInt64(gid) + UInt64(count) - 1 <= UInt64(Int32.max)
    }

    /// Whether `uid` belongs to the range.
    public func contains(uid candidate: UInt32) -> Bool {
        candidate >= uid && UInt64(candidate) < UInt64(uid) + UInt64(count)
    }
}
