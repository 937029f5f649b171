// The process ExecutionSubreaperTests runs the issue #10 (5) attack in: becoming a child
// subreaper changes the whole process, so it is never done inside the shared test process.
//
// Usage: AITBC_ORPHAN_MARKER=<marker> miner-orphan-child <directory> on|off
// (the marker is not an argument: the job reapers, forks of this process, show its arguments)
// Runs, at the same time, with no PID namespace, no Landlock and no job user (nothing else
// stops the attack): the attack job (a tool that starts a `setsid` loop carrying <marker> and
// kills its reaper), an ordinary job, and a ChildProcess that exits 7. With `on` the process
// first enables `OrphanSweeper` as the daemon does. Prints JSON log lines, then one line
// `RESULT {…}` with what it saw.
import Foundation
import Glibc
import JSON
import Logging
import Miner
import ServiceRuntime
import TestSupport
import WireModels


let arguments = CommandLine.arguments
guard arguments.count == 3, ["on", "off"].contains(arguments[2]),
    let marker = ProcessInfo.processInfo.environment["AITBC_ORPHAN_MARKER"], !marker.isEmpty
else {
    FileHandle.standardError.write(Data("usage: AITBC_ORPHAN_MARKER=<marker> miner-orphan-child <directory> on|off\n".utf8))
    exit(64)
}
let (directory, subreaper) = (arguments[1], arguments[2] == "on")
LoggingRuntime.bootstrap(service: "miner-orphan-child", level: .info)
let logger = Logger(label: "miner-orphan-child")
if subreaper {
    try OrphanSweeper.shared.enable(interval: .seconds(2), logger: logger)
}

func tool(_ name: String, _ script: String) throws -> String {
    try writeExecutableScript("#!/bin/sh\n\(script)\n", to: "\(directory)/\(name).sh")
    let allowlist = "\(directory)/\(name).yaml"
    try "command: { path: \"\(directory)/\(name).sh\" }\nargs: []\n".write(toFile: allowlist, atomically: true, encoding: .utf8)
    return allowlist
}

// The attack; the loop touches a file first, so the reaper dies only once the loop has left
// the group (else the group kill could end it before its setsid, and the control test flakes).
let escape = try tool(
    "escape",
    """
    setsid sh -c "touch ../output/escaped; while :; do sleep 1; done" \(marker) &
    while [ ! -e ../output/escaped ]; do sleep 0.05; done
    kill -9 $PPID
    sleep 0.5
    """)
let ordinary = try tool("ordinary", "sleep 2\necho ordinary-done")
let executor = try JobExecutor(
    settings: ExecutorSettings(
        workspaceRoot: "\(directory)/jobs", allowlistFiles: [escape, ordinary], killGraceSeconds: 1,
        sandbox: SandboxSettings(landlock: .off, pidNamespace: .off, jobUsers: nil), jobSlots: 2))
try FileManager.default.createDirectory(atPath: "\(directory)/jobs", withIntermediateDirectories: true)
let confinement = executor.confinement
guard confinement.landlockABI == 0, !confinement.pidNamespace, confinement.jobUsers == nil else {
    print("RESULT {\"error\":\"confinement is not off\"}")
    exit(1)
}

// In flight during the attack: it must be neither killed nor robbed of its exit status.
let child = try ChildProcess("/bin/sh", ["-c", "sleep 3; exit 7"], environment: ["PATH": "/usr/bin:/bin"], directory: directory)
/// A job as the coordinator assigns it, with a fixed id.
func job(_ id: String, command: String) -> AssignedJob {
    guard let jobID = JobID(id) else { preconditionFailure("\(id) is 32 lowercase hex") }
    return AssignedJob(jobID: jobID, payload: ["type": "cli", "command": .string(command)], constraints: JobConstraints())
}
async let ordinaryOutcome = executor.execute(job("0000000000000000000000000000000a", command: "ordinary"), context: ExecutionContext())
let attack = await executor.execute(job("0000000000000000000000000000000b", command: "escape"), context: ExecutionContext())
// Right when the job has ended, before anything else runs.
let survivors = processesCarrying(marker).count
let other = await ordinaryOutcome
let childStatus = await child.wait(timeout: .seconds(20))

func code(_ outcome: JobOutcome) -> String {
    switch outcome {
    case .completed: "completed"
    case .failed(let code, _, _): code.rawValue
    }
}
let ordinaryStdout: String =
    if case .completed(let result, _) = other { result["stdout_tail"]?.stringValue ?? "" } else { "" }
let result: JSONValue = [
    "attack": .string(code(attack)), "survivors": .integer(JSONInteger(survivors)), "ordinary": .string(code(other)),
    "ordinary_stdout": .string(ordinaryStdout), "child_status": .integer(JSONInteger(childStatus)),
    "killed": .integer(JSONInteger(OrphanSweeper.shared.killedCount)),
]
print("RESULT " + ((try? JSONSerializer(options: [.sortedKeys]).string(result)) ?? "{}"))
exit(0)
