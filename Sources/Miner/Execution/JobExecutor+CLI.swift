import Glibc
import JSON
import WireModels

/// A validated `cli` job: the tool and its checked arguments.
struct CLICommand {
    var tool: AllowlistedTool
    var arguments: [String]
}

extension JobExecutor {
    /// Resolves `payload.command` (a tool name, never a path) and checks `payload.args` against
    /// the tool's rules (spec §6 "Target validation").
    /// - Throws: `.denied` before anything is spawned.
    func cliCommand(for payload: JSONValue) throws(ExecutionFailure) -> CLICommand {
        guard settings.cliEnabled else { throw .denied("cli runner is disabled on this miner") }
        guard let name = payload["command"]?.stringValue else { throw .denied("payload.command must name an allowlisted tool") }
        guard let tool = tools[name] else { throw .denied("tool '\(name.prefix(64))' is not allowlisted") }
        var arguments: [String] = []
        if let raw = payload["args"], !raw.isNull {
            guard let list = raw.arrayValue else { throw .denied("payload.args must be a list of strings") }
            for item in list {
                guard let text = item.stringValue else { throw .denied("payload.args must be a list of strings") }
                arguments.append(text)
            }
        }
        if let reason = tool.denial(for: arguments) { throw .denied(reason) }
        return CLICommand(tool: tool, arguments: arguments)
    }

    /// RLIMIT_CPU for a job: all cores busy for its whole time limit plus the kill grace. The
    /// supervisor's wall-clock timeout normally ends the job long before; this is the backstop
    /// that still holds when the miner (and so the supervisor) is gone and the job runs on.
    static func cpuLimitSeconds(timeoutSeconds: Int, graceSeconds: Int, cores: Int = Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) -> Int64 {
        let (product, overflow) = Int64(max(1, timeoutSeconds) + max(0, graceSeconds)).multipliedReportingOverflow(by: Int64(max(1, cores)))
        return overflow ? 0 : product
    }

    /// MiB → bytes for an rlimit, saturating; 0 (unlimited) for non-positive values.
    static func bytes(mebibytes: Int) -> Int64 {
        guard mebibytes > 0 else { return 0 }
        let (product, overflow) = Int64(clamping: mebibytes).multipliedReportingOverflow(by: 1024 * 1024)
        return overflow ? Int64.max : product
    }

    /// Runs the tool in the sandbox; result `{exit_code, stdout_tail, artifacts}`.
    /// - Throws: `.timedOut`, `.outOfMemory`, `.processFailed`, `.runtime`, `.shutdown`.
    func runCLI(
        _ command: CLICommand, jobID: JobID, workspace: JobWorkspace, user: JobUserPool.Lease?, timeout: Int,
        context: ExecutionContext, metering: inout Metering
    ) async throws(ExecutionFailure) -> JSONValue {
        let limit = min(timeout, command.tool.maxRuntimeSeconds ?? timeout)
        let outputMB = min(settings.maxOutputMB, command.tool.maxOutputMB ?? settings.maxOutputMB)
        let request = SandboxedProcess.Request(
            path: command.tool.path, arguments: command.arguments,
            environment: [
                "PATH=/usr/bin:/bin", "HOME=\(workspace.work)", "LANG=C.UTF-8",
                "CUDA_VISIBLE_DEVICES=\(context.gpuIndices.map(String.init).joined(separator: ","))",
                // CUDA numbers devices fastest-first by default; PCI order matches nvidia-smi's
                // indices, which is what the slot's GPU numbers are.
                "CUDA_DEVICE_ORDER=PCI_BUS_ID",
            ],
            workingDirectory: workspace.work, logDirectory: workspace.logs, logCapBytes: settings.logCapBytes, timeoutSeconds: limit,
            killGraceSeconds: settings.killGraceSeconds, niceLevel: settings.niceLevel,
            ioPriorityLevel: settings.ioPriorityLevel,
            addressSpaceBytes: settings.memorySoftMB.map(Self.bytes(mebibytes:)) ?? 0,
            fileSizeBytes: Self.bytes(mebibytes: outputMB),
            maxOpenFiles: Int64(settings.maxOpenFiles), maxProcesses: Int64(settings.maxProcesses),
            cpuSeconds: Self.cpuLimitSeconds(timeoutSeconds: limit, graceSeconds: settings.killGraceSeconds),
            artifactJobDirectory: workspace.jobDirectory,
            maxHashedBytes: settings.maxHashedBytes ?? (outputMB > 0 ? Int(clamping: Self.bytes(mebibytes: outputMB)) : Int.max),
            pidNamespace: confinement.pidNamespace, landlockABI: confinement.landlockABI,
            // The tool itself may sit outside the system directories (an operator's script).
            landlockReadPaths: settings.sandbox.landlockReadPaths + [command.tool.path, workspace.input],
            landlockWritePaths: [workspace.work, workspace.output, "/dev/null"] + settings.sandbox.landlockWritePaths,
            jobUser: user, jobID: jobID.rawValue)
        let result = try await SandboxedProcess.run(request, onSpawn: context.onSpawn)
        metering.childCPUSeconds = result.cpuSeconds
        metering.extra.append(JSONMember(key: "max_rss_kb", value: .integer(JSONInteger(result.maxRSSKilobytes))))
        switch result.stop {
        case .cancelled: throw .shutdown
        case .timeout: throw .timedOut(seconds: limit)
        case .none: break
        }
        if result.supervisorLost {
            throw .runtime("supervisor lost: the job's reaper process died before reporting; its process group was killed")
        }
        if result.execErrno != 0 {
            throw .runtime("cannot execute \(command.tool.path): \(String(cString: strerror(result.execErrno)))")
        }
        switch result.termination {
        case .signaled(SIGKILL):
            // Nobody here sent it: the kernel OOM killer (or a cgroup limit) did.
            throw .outOfMemory("killed by SIGKILL (out of memory; peak RSS \(result.maxRSSKilobytes / 1024) MiB)")
        case .signaled(SIGXFSZ):
            throw .processFailed("output exceeded \(outputMB) MiB (RLIMIT_FSIZE)")
        case .signaled(let signal):
            throw .processFailed("command killed by signal \(signal)")
        case .exited(let code) where code != 0:
            metering.extra.append(JSONMember(key: "exit_code", value: .integer(JSONInteger(code))))
            throw .processFailed("command exited with code \(code)")
        case .exited:
            break
        }
        if let failure = result.logFailure { throw .runtime("log write failed: \(failure)") }
        return [
            "exit_code": 0,
            "stdout_tail": .string(String(decoding: result.stdoutTail, as: UTF8.self)),
            "artifacts": .array(result.artifacts.map(\.json)),
        ]
    }
}
