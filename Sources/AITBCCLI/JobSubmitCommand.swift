public import ArgumentParser
import JSON

/// `aitbc job submit`: a new job from a payload file or a prompt; optionally waits for it.
public struct JobSubmitCommand: AsyncParsableCommand {
    /// Command name, help text and subcommands.
    public static let configuration = CommandConfiguration(
        commandName: "submit",
        abstract: "Submit a job (POST /v1/jobs); print its job view.",
        usage: """
            aitbc job submit (--payload <file> | --prompt <text> --model <model>) [--constraints <file>] [--ttl <s>] \
            [--idempotency-key <key>] [--wait [--timeout <s>]] [--url <url>] [--key-file <file>] [--json]
            """,
        discussion: """
            --payload FILE (or - for stdin) holds the job payload, a JSON object; --prompt TEXT \
            --model M builds the inference payload {"type":"ollama.generate","model":M,"prompt":TEXT}. \
            --constraints FILE holds a constraints object (gpu, cuda, min_vram_gb, models, region, \
            max_price). An --idempotency-key makes a repeated submit return the same job (and lets \
            the client retry it safely); without one the client makes one per call. --wait waits \
            until the job ends and exits 1 unless it COMPLETED.
            """)

    /// The payload file.
    @Option(name: .long, help: ArgumentHelp("Job payload: a file holding a JSON object, or - for stdin.", valueName: "file"))
    public var payload: String?

    /// The prompt of an inference job.
    @Option(name: .long, help: ArgumentHelp("Prompt of an inference job (with --model).", valueName: "text"))
    public var prompt: String?

    /// The model of an inference job.
    @Option(name: .long, help: ArgumentHelp("Model of an inference job (with --prompt).", valueName: "model"))
    public var model: String?

    /// The constraints file.
    @Option(name: .long, help: ArgumentHelp("Constraints: a file holding a JSON object.", valueName: "file"))
    public var constraints: String?

    /// Time to live in seconds.
    @Option(name: .long, help: ArgumentHelp("Seconds the job may wait for a miner (1...86400; default: the coordinator's).", valueName: "s"))
    public var ttl: Int?

    /// The idempotency key.
    @Option(name: .customLong("idempotency-key"), help: ArgumentHelp("Idempotency-Key: the same key returns the same job.", valueName: "key"))
    public var idempotencyKey: String?

    /// Wait for the job to end.
    @Flag(name: .long, help: "Wait until the job ends; exit 1 unless it COMPLETED.")
    public var wait = false

    /// How long `--wait` waits.
    @OptionGroup public var waiting: TimeoutOption

    /// Where and how.
    @OptionGroup public var service: ServiceOptions

    /// Creates the command with default option values (ArgumentParser fills them in).
    public init() {}

    /// - Throws: `ValidationError` (usage, exit 64) for a missing or doubled payload source.
    public func validate() throws {
        switch (payload, prompt, model) {
        case (.some, nil, nil), (nil, .some, .some): break
        case (.some, _, _): throw ValidationError("--payload and --prompt/--model are alternatives: give one")
        default: throw ValidationError("give --payload FILE, or --prompt TEXT with --model M")
        }
        if let ttl, !(1...86_400).contains(ttl) { throw ValidationError("--ttl must be in 1...86400 seconds") }
    }

    /// The payload to submit.
    /// - Throws: `ServiceFailure` (exit 2) for an unreadable or invalid file.
    func jobPayload() throws(ServiceFailure) -> JSONValue {
        if let payload { return try JSONInputFile.object(at: payload, option: "--payload") }
        return ["type": "ollama.generate", "model": .string(model ?? ""), "prompt": .string(prompt ?? "")]
    }

    /// Runs the command.
    /// - Throws: `ExitCode` with the documented status.
    public func run() async throws {
        try await CommandIO.reportingServiceFailures { () throws(ServiceFailure) -> ServiceExit in
            let body = try jobPayload()
            let constraintsValue = try constraints.map { path throws(ServiceFailure) in
                (value: try JSONInputFile.object(at: path, option: "--constraints"), source: path == "-" ? "stdin" : path)
            }
            return try await ServiceSession.using(service) { session throws(ServiceFailure) -> ServiceExit in
                var job = try await session.submit(
                    payload: body, constraints: constraintsValue, ttlSeconds: ttl, idempotencyKey: idempotencyKey)
                if wait {
                    job = try await session.wait(for: job.id, timeoutSeconds: waiting.timeout)
                }
                JobOutput.print(job, json: service.json)
                return wait ? JobOutput.exit(afterWaiting: job) : .ok
            }
        }
    }
}
