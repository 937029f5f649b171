/// The verifier's answer for one receipt: the primary signature and each attestation.
public struct ReceiptVerification: Sendable, Equatable {
    /// One checked signature object.
    public struct Check: Sendable, Equatable {
        /// The `key_id` the object carried, when it was a string.
        public var keyID: String?
        /// The outcome.
        public var status: SignatureStatus

        /// Creates a check result.
        public init(keyID: String?, status: SignatureStatus) {
            self.keyID = keyID
            self.status = status
        }

        /// Whether the signature is valid.
        public var isValid: Bool { status.isValid }
    }

    /// The primary signature (the SDK calls it `miner_signature`).
    public var signature: Check
    /// Every entry of `attestations`, in order (the SDK's `coordinator_attestations`).
    public var attestations: [Check]

    /// Creates a result.
    public init(signature: Check, attestations: [Check]) {
        self.signature = signature
        self.attestations = attestations
    }

    /// Primary valid and every attestation valid (true when there are none).
    public var isVerified: Bool { signature.isValid && attestations.allSatisfy(\.isValid) }

    /// SDK-style reasons: `miner_signature_invalid:<key_id or unknown>` and
    /// `coordinator_attestation_invalid:<key_id or unknown>`.
    public var failureReasons: [String] {
        var reasons: [String] = []
        if !signature.isValid { reasons.append("miner_signature_invalid:\(signature.keyID ?? "unknown")") }
        for check in attestations where !check.isValid {
            reasons.append("coordinator_attestation_invalid:\(check.keyID ?? "unknown")")
        }
        return reasons
    }
}
