import CLinuxShims
import Foundation
import Glibc
import ServiceRuntime
import Synchronization

extension SandboxedProcess {
    /// Spawns, then loops on poll(2) every 100 ms until the reaper reports the group gone.
    static func supervise(
        _ request: Request, flag: CancelFlag, onSpawn: @Sendable (Int32, Int32) -> Void
    ) throws(ExecutionFailure) -> Result {
        let stdoutSink = try LogSink(directory: request.logDirectory, name: "stdout.log", cap: request.logCapBytes)
        let stderrSink = try LogSink(directory: request.logDirectory, name: "stderr.log", cap: request.logCapBytes)
        let pipes = try makePipes(3, make: makePipe, close: { close($0) })
        let (stdoutPipe, stderrPipe, statusPipe) = (pipes[0], pipes[1], pipes[2])
        let reaper: Int32
        do {
            // Registered under the spawn lock: the orphan sweeper never takes it for an orphan.
            reaper = try SpawnRegistry.spawn { () throws(ExecutionFailure) -> Int32 in
                try spawn(request, stdout: stdoutPipe.write, stderr: stderrPipe.write, status: statusPipe.write)
            }
        } catch {
            for descriptor in [stdoutPipe.read, stdoutPipe.write, stderrPipe.read, stderrPipe.write, statusPipe.read, statusPipe.write] {
                close(descriptor)
            }
            throw error
        }
        OrphanSweeper.shared.jobStarted(reaper: reaper, jobID: request.jobID)
        close(stdoutPipe.write)
        close(stderrPipe.write)
        close(statusPipe.write)

        var fds = [
            pollfd(fd: stdoutPipe.read, events: Int16(POLLIN), revents: 0),
            pollfd(fd: stderrPipe.read, events: Int16(POLLIN), revents: 0),
            pollfd(fd: statusPipe.read, events: Int16(POLLIN), revents: 0),
        ]
        var status: [UInt8] = []
        let recordSize = MemoryLayout<clinux_sandbox_report>.size
        var supervisorLost = false
        var commandGroup: Int32 = 0
        var stop = Stop.none
        let start = ContinuousClock.now
        let deadline = start + .seconds(request.timeoutSeconds)
        let grace = Duration.seconds(max(0, request.killGraceSeconds))
        var termSentAt: ContinuousClock.Instant?
        var killSentAt: ContinuousClock.Instant?
        var reaperGoneAt: ContinuousClock.Instant?
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)

        while fds.contains(where: { $0.fd >= 0 }) {
            _ = poll(&fds, nfds_t(fds.count), 100)
            for index in fds.indices where fds[index].fd >= 0 && fds[index].revents != 0 {
                let got = buffer.withUnsafeMutableBytes { read(fds[index].fd, $0.baseAddress, $0.count) }
                if got < 0, errno == EINTR || errno == EAGAIN { continue }
                if got <= 0 {
                    close(fds[index].fd)
                    fds[index].fd = -1
                    if index == 2 {
                        reaperGoneAt = .now
                        if commandGroup > 0, status.count < 4 + recordSize {
                            // The reaper died before reporting (the job can kill its parent:
                            // same uid). Nobody supervises the group any more: end it now.
                            kill(-commandGroup, SIGKILL)
                            supervisorLost = true
                        }
                    }
                    continue
                }
                buffer.withUnsafeBufferPointer { all in
                    let chunk = UnsafeBufferPointer(rebasing: all[..<got])
                    switch index {
                    case 0: stdoutSink.write(chunk)
                    case 1: stderrSink.write(chunk)
                    default: status.append(contentsOf: chunk)
                    }
                }
                if commandGroup == 0, status.count >= 4 {
                    commandGroup = status.withUnsafeBytes { $0.loadUnaligned(as: Int32.self) }
                    if commandGroup > 0 { onSpawn(commandGroup, commandGroup) }
                }
            }
            let now = ContinuousClock.now
            if let gone = reaperGoneAt {
                // Output still held open by a process that left the group: stop reading soon.
                if now - gone > .seconds(1) { break }
                continue
            }
            guard commandGroup > 0 else { continue }
            if termSentAt == nil {
                if flag.requested.load(ordering: .acquiring) {
                    stop = .cancelled
                } else if now >= deadline {
                    stop = .timeout
                }
                if stop != .none {
                    kill(-commandGroup, SIGTERM)
                    termSentAt = now
                }
            } else if let sent = termSentAt, killSentAt == nil, now - sent >= grace {
                kill(-commandGroup, SIGKILL)
                killSentAt = now
            } else if let sent = killSentAt, now - sent >= grace + .seconds(5) {
                // The reaper waits for something outside the group; it has done its part.
                kill(reaper, SIGKILL)
            }
        }
        for entry in fds where entry.fd >= 0 { close(entry.fd) }
        var reaperStatus: Int32 = 0
        while waitpid(reaper, &reaperStatus, 0) < 0 && errno == EINTR {}
        SpawnRegistry.forget(reaper)
        // Whatever of the job the reaper could not reap (it was killed) is the miner's now.
        OrphanSweeper.shared.jobEnded(reaper: reaper)
        stdoutSink.finish()
        stderrSink.finish()

        guard status.count >= 4 + recordSize else {
            if commandGroup == 0 { throw .runtime("could not start the job process") }
            // Belt and braces: whatever is left of the group goes (ESRCH when nothing is).
            kill(-commandGroup, SIGKILL)
            return Result(
                termination: .signaled(SIGKILL), stop: stop, execErrno: 0, cpuSeconds: 0, maxRSSKilobytes: 0,
                stdoutTail: stdoutSink.tail, logFailure: nil, supervisorLost: true, artifacts: [])
        }
        let report = status.withUnsafeBytes { raw in
            raw.loadUnaligned(fromByteOffset: 4, as: clinux_sandbox_report.self)
        }
        let waitStatus = report.wait_status
        let signal = waitStatus & 0x7f
        let termination: Termination = signal == 0 ? .exited((waitStatus >> 8) & 0xff) : .signaled(signal)
        // Hashing reads up to the byte cap from disk: done here, on the supervisor thread, so
        // the cooperative pool never waits on it; only for a job that succeeded.
        var artifacts: [ArtifactScanner.Artifact] = []
        if let jobDirectory = request.artifactJobDirectory, termination == .exited(0), stop == .none,
            report.exec_errno == 0, !supervisorLost
        {
            artifacts = ArtifactScanner.scan(jobDirectory: jobDirectory, maxHashedBytes: request.maxHashedBytes)
        }
        let cpu = Double(report.user_usec + report.system_usec) / 1_000_000
        let logFailure = [stdoutSink, stderrSink].compactMap { sink in
            sink.failure.map { "\(sink.path): \(String(cString: strerror($0)))" }
        }.first
        return Result(
            termination: termination, stop: stop, execErrno: report.exec_errno, cpuSeconds: cpu,
            maxRSSKilobytes: Int(report.max_rss_kb), stdoutTail: stdoutSink.tail, logFailure: logFailure,
            supervisorLost: supervisorLost, artifacts: artifacts)
    }

    /// `count` pipes from `make`; when one fails, every descriptor already created is passed
    /// to `close` before the error is rethrown, so no failure leaks pipe ends.
    static func makePipes(
        _ count: Int, make: () throws(ExecutionFailure) -> (read: Int32, write: Int32), close: (Int32) -> Void
    ) throws(ExecutionFailure) -> [(read: Int32, write: Int32)] {
        var pipes: [(read: Int32, write: Int32)] = []
        for _ in 0..<count {
            do {
                pipes.append(try make())
            } catch {
                for pipe in pipes {
                    close(pipe.read)
                    close(pipe.write)
                }
                throw error
            }
        }
        return pipes
    }

    private static func makePipe() throws(ExecutionFailure) -> (read: Int32, write: Int32) {
        var ends: [Int32] = [-1, -1]
        guard clinux_pipe_cloexec(&ends) == 0 else { throw .runtime("pipe: \(String(cString: strerror(errno)))") }
        return (ends[0], ends[1])
    }

    /// Builds C strings and calls the shim; everything allocated is freed before returning.
    private static func spawn(_ request: Request, stdout: Int32, stderr: Int32, status: Int32) throws(ExecutionFailure) -> Int32 {
        let argv = ([request.path] + request.arguments).map { strdup($0) } + [nil]
        let envp = request.environment.map { strdup($0) } + [nil]
        let readPaths = request.landlockReadPaths.map { UnsafePointer(strdup($0)) } + [nil]
        let writePaths = request.landlockWritePaths.map { UnsafePointer(strdup($0)) } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
            readPaths.forEach { free(UnsafeMutablePointer(mutating: $0)) }
            writePaths.forEach { free(UnsafeMutablePointer(mutating: $0)) }
        }
        var reaper: Int32 = 0
        let result = request.path.withCString { path in
            request.workingDirectory.withCString { cwd in
                argv.withUnsafeBufferPointer { argvBuffer in
                    envp.withUnsafeBufferPointer { envpBuffer in
                        readPaths.withUnsafeBufferPointer { readBuffer in
                            writePaths.withUnsafeBufferPointer { writeBuffer in
                                var options = clinux_sandbox_options(
                                    path: path, argv: argvBuffer.baseAddress, envp: envpBuffer.baseAddress, cwd: cwd,
                                    nice_level: request.niceLevel, ioprio_level: request.ioPriorityLevel,
                                    rlimit_as: request.addressSpaceBytes, rlimit_fsize: request.fileSizeBytes,
                                    rlimit_nofile: request.maxOpenFiles, rlimit_nproc: request.maxProcesses,
                                    rlimit_cpu: request.cpuSeconds, stdout_fd: stdout, stderr_fd: stderr, status_fd: status,
                                    new_pid_namespace: request.pidNamespace ? 1 : 0, landlock_abi: request.landlockABI,
                                    landlock_read_paths: readBuffer.baseAddress, landlock_write_paths: writeBuffer.baseAddress,
                                    drop_user: request.jobUser == nil ? 0 : 1, job_uid: request.jobUser?.uid ?? 0,
                                    job_gid: request.jobUser?.gid ?? 0)
                                return clinux_sandbox_spawn(&options, &reaper)
                            }
                        }
                    }
                }
            }
        }
        guard result == 0 else { throw .runtime("fork: \(String(cString: strerror(result)))") }
        return reaper
    }
}
