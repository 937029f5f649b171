import HTTP1
import Dispatch
import Foundation

/// What the miner learns about its host at start-up and advertises in `capabilities`.
public struct HostProbe: Sendable, Equatable {
    /// CPU facts from sysconf and `/proc/cpuinfo`.
    public struct CPU: Sendable, Equatable, Codable {
        public var logicalCores: Int
        public var arch: String
        public var model: String?
        enum CodingKeys: String, CodingKey {
            case logicalCores = "logical_cores"
            case arch, model
        }
    }

    public var cpu: CPU
    /// Total memory in bytes from `/proc/meminfo`.
    public var memoryTotalBytes: UInt64?
    /// Free bytes on the workspace file system (statvfs).
    public var workspaceFreeBytes: UInt64?
    /// GPUs from nvidia-smi; empty on a CPU-only host or when the probe failed.
    public var gpus: [GPUInfo]
    /// CUDA version from the nvidia-smi banner.
    public var cuda: String?
    /// Why the GPU probe found nothing, when it failed rather than found no binary.
    public var gpuProbeError: String?

    /// Probes this host. Never throws: every failure degrades to "not reported".
    /// - Parameters:
    ///   - workspace: directory whose file system's free space is reported.
    ///   - nvidiaSMI: path or name of the nvidia-smi binary (tests point it at a fake).
    ///   - timeout: per nvidia-smi invocation; a hung driver must not stall start-up.
    public static func probe(workspace: String, nvidiaSMI: String = "nvidia-smi", timeout: Duration = .seconds(5)) async
        -> HostProbe
    {
        var result = HostProbe(
            cpu: CPU(logicalCores: ProcessInfo.processInfo.activeProcessorCount, arch: machineArchitecture(), model: cpuModel()),
            memoryTotalBytes: memoryTotal(), workspaceFreeBytes: freeBytes(at: workspace), gpus: [], cuda: nil,
            gpuProbeError: nil)
        guard let binary = resolveExecutable(nvidiaSMI) else { return result }
        switch await CommandRunner.run(binary, arguments: NvidiaSMIParser.queryArguments, timeout: timeout) {
        case .success(let output):
            do {
                result.gpus = try NvidiaSMIParser.parseGPUs(csv: output)
            } catch {
                result.gpuProbeError = "unrecognised nvidia-smi output: \(error)"
                return result
            }
        case .failure(let error):
            result.gpuProbeError = error.description
            return result
        }
        if case .success(let banner) = await CommandRunner.run(binary, arguments: [], timeout: timeout) {
            result.cuda = NvidiaSMIParser.parseCUDAVersion(banner: banner)
        }
        return result
    }

    /// `model name` of the first processor in `/proc/cpuinfo`.
    static func cpuModel(cpuinfo: String? = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) -> String? {
        guard let cpuinfo else { return nil }
        for line in cpuinfo.split(separator: "\n") where line.hasPrefix("model name") {
            if let colon = line.firstIndex(of: ":") {
                return line[line.index(after: colon)...].trimmingWhitespace()
            }
        }
        return nil
    }

    /// `MemTotal` from `/proc/meminfo`, converted from kB to bytes.
    static func memoryTotal(meminfo: String? = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8)) -> UInt64? {
        guard let meminfo else { return nil }
        for line in meminfo.split(separator: "\n") where line.hasPrefix("MemTotal:") {
            let number = line.dropFirst("MemTotal:".count).trimmingWhitespace().split(separator: " ").first
            if let number, let kilobytes = UInt64(number) {
                return kilobytes.multipliedReportingOverflow(by: 1024).overflow ? nil : kilobytes * 1024
            }
        }
        return nil
    }

    /// Free bytes for unprivileged users on the file system holding `path`, or its nearest
    /// existing ancestor (the workspace root is created only when the first job arrives).
    static func freeBytes(at path: String) -> UInt64? {
        var info = statvfs()
        var candidate = path.isEmpty ? "." : path
        while statvfs(candidate, &info) != 0 {
            guard errno == ENOENT, candidate != "/", candidate != "." else { return nil }
            let parent = (candidate as NSString).deletingLastPathComponent
            candidate = parent.isEmpty ? (candidate.hasPrefix("/") ? "/" : ".") : parent
        }
        let (bytes, overflow) = UInt64(info.f_bavail).multipliedReportingOverflow(by: UInt64(info.f_frsize))
        return overflow ? nil : bytes
    }

    static func machineArchitecture() -> String {
        var name = utsname()
        guard uname(&name) == 0 else { return "unknown" }
        return withUnsafeBytes(of: &name.machine) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
    }

    /// Finds `name` on PATH (or checks an absolute/relative path) without running a shell.
    static func resolveExecutable(_ name: String) -> String? {
        if name.contains("/") { return FileManager.default.isExecutableFile(atPath: name) ? name : nil }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}
