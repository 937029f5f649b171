import JSON
import ServiceRuntime
import TerminalText

/// What the job commands print.
enum JobOutput {
    /// The members of a job view, in wire order.
    static let fields = ["job_id", "state", "assigned_miner_id", "requested_at", "expires_at", "error"]

    /// The job view: one line of JSON, or a name/value table.
    static func print(_ job: ServiceSession.Job, json: Bool) {
        if json {
            CommandIO.printOut(WireText.compact(job.json))
        } else {
            for line in WireText.fields(job.json, fields) { CommandIO.printOut(line) }
        }
    }

    /// 0 for a job that COMPLETED, else 1 (it ended otherwise).
    static func exit(afterWaiting job: ServiceSession.Job) -> ServiceExit {
        guard job.state == "COMPLETED" else {
            CommandIO.printError("error: job \(job.id) ended \(UntrustedText.display(job.state)), not COMPLETED")
            return .rejected
        }
        return .ok
    }
}

/// What the list commands print.
enum ListOutput {
    /// The page: one line of JSON, or a table and, when there are more, how to get them.
    static func print(_ page: JSONValue, columns: [String], json: Bool, command: String) {
        if json {
            CommandIO.printOut(WireText.compact(page))
            return
        }
        for line in WireText.table(page["items"]?.arrayValue ?? [], columns: columns) { CommandIO.printOut(line) }
        if let next = page["next_cursor"]?.stringValue {
            CommandIO.printOut("more: \(command) --cursor \(UntrustedText.display(next))")
        }
    }
}
