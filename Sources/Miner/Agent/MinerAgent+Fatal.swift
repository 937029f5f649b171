import Logging
import Synchronization

extension MinerAgent {
    /// The API key was rejected: stop everything and exit with code 3.
    func markFatal() {
        stopFatally(.unauthorized)
        let reason = "the coordinator rejected the API key (401) of miner \(minerID); check coordinator.auth_token; exiting with code 3"
        logger.critical("unauthorized", metadata: ["reason": "\(reason)"])
        console.say(reason)
    }

    /// Registering was refused with 409 `MINER_KEY_PINNED`: the coordinator pinned another
    /// public key for this miner id (this start has another key, or none), and only the pinned
    /// key or an admin rotation can fix it. Stop everything and exit with code 3.
    func markKeyPinned(coordinatorMessage: String?) {
        stopFatally(.keyPinned)
        let minerID = minerID
        let said = coordinatorMessage ?? "miner public key is pinned"
        let keyFile = configuration.keyFile ?? "none"
        let fix = "start with the key_file this miner registered, or ask an admin to POST /v1/admin/miners/\(minerID)/rotate-key"
        logger.critical(
            "miner_key_pinned",
            metadata: [
                "miner_id": "\(minerID)", "error_code": "MINER_KEY_PINNED", "error_message": "\(said)", "key_file": "\(keyFile)",
                "fix": "\(fix)", "exit_code": "3",
            ])
        console.say(
            "the coordinator refused to register miner \(minerID) (409 MINER_KEY_PINNED: \(said)); key_file: \(keyFile). "
                + "Fix: \(fix). Exiting with code 3")
    }

    /// Marks the loop fatal (no more polls, registrations or report attempts) and cancels running jobs.
    fileprivate func stopFatally(_ exit: Exit) {
        state.withLock {
            $0.fatal = true
            $0.fatalExit = exit
            $0.registered = false
        }
        cancelExecutions()
    }
}
