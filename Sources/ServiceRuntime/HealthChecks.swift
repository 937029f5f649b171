public import JSON
import Synchronization

/// Readiness checks a daemon registers (database open, signing key loaded, upstream reachable).
///
/// Liveness (`/healthz`) only says the process serves requests; readiness (`/readyz`) runs
/// every check, so a load balancer stops sending traffic while a dependency is down.
public final class HealthChecks: Sendable {
    /// Outcome of one readiness check.
    public struct Result: Sendable, Equatable {
        /// The check's registered name.
        public let name: String
        /// Whether it passed.
        public let ok: Bool
        /// Why it failed; nil when it passed.
        public let error: String?

        /// A result as a check reports it.
        public init(name: String, ok: Bool, error: String?) {
            self.name = name
            self.ok = ok
            self.error = error
        }

        /// `{"name","ok"[,"error"]}` as `/readyz` lists it (`error` only when the check failed).
        public var json: JSONValue {
            var members = [JSONMember(key: "name", value: .string(name)), JSONMember(key: "ok", value: .bool(ok))]
            if let error { members.append(JSONMember(key: "error", value: .string(error))) }
            return .object(members)
        }
    }

    /// A check returns nil when healthy or a short reason when not; it must not block.
    public typealias Check = @Sendable () async -> String?

    private let checks = Mutex<[(name: String, check: Check)]>([])
    private let draining = Atomic<Bool>(false)

    /// An empty set of checks (ready until one is added or draining starts).
    public init() {}

    /// Adds a named readiness check.
    public func register(_ name: String, _ check: @escaping Check) {
        checks.withLock { $0.append((name, check)) }
    }

    /// Marks the daemon as shutting down: readiness fails from now on so traffic moves away.
    public func startDraining() {
        draining.store(true, ordering: .releasing)
    }

    /// Runs every check; ready only when all pass and the daemon is not draining.
    public func readiness() async -> (ready: Bool, results: [Result]) {
        let registered = checks.withLock { $0 }
        var results: [Result] = []
        for (name, check) in registered {
            let failure = await check()
            results.append(Result(name: name, ok: failure == nil, error: failure))
        }
        if draining.load(ordering: .acquiring) {
            results.append(Result(name: "shutdown", ok: false, error: "draining"))
        }
        return (results.allSatisfy(\.ok), results)
    }
}
