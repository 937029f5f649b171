public import Cryptography
public import JSON

/// A miner's signed statement about one job it ran: the "work claim" the coordinator checks
/// against the miner's registered public key and embeds in the receipt's `metadata`
/// (`work_claim` + `miner_signature`), so a receipt proves both who issued it and what the
/// miner itself said it did.
///
/// Wire shape (inside the body of `POST /v1/miners/{job_id}/result`, beside `result` and
/// `metrics`):
/// ```
/// "claim": {"job_id", "miner_id", "result_hash": "sha256:<hex>", "units", "unit_type",
///           "duration_ms", "completed_at", "payout_address": "ait1…" (optional)},
/// "claim_signature": {"alg": "Ed25519", "key_id", "sig"}
/// ```
/// `result_hash` is SHA-256 of the canonical JSON (spec/receipts.md §3) of `result`, so both
/// sides compute it from the parsed value, not from bytes a proxy may re-encode. The signed
/// message is the canonical JSON of `claim`.
///
/// `payout_address` is the account the chain mints this work's AIT to. It sits inside the
/// miner-signed claim so the coordinator cannot redirect the payout; a claim without it (an
/// older miner) pays the address of the signing key, and its canonical bytes are unchanged.
public struct WorkClaim: Sendable, Equatable {
    /// Coordinator job id.
    public var jobID: String
    /// The miner id the coordinator knows the miner by (its API-key principal).
    public var minerID: String
    /// `sha256:<lowercase hex>` of the canonical JSON of the result.
    public var resultHash: String
    /// Claimed compute units.
    public var units: Double
    /// Unit type, e.g. `gpu_seconds`.
    public var unitType: String
    /// Wall time the miner measured.
    public var durationMilliseconds: Int64
    /// Unix seconds when the miner finished.
    public var completedAt: Int64
    /// `ait1…` account the work's payout goes to; nil for the signing key's own address. Kept
    /// as the text was signed (`AccountAddress.description` writes it lowercase), so `json`
    /// reproduces the signed bytes.
    public var payoutAddress: String?

    /// Creates a claim from its fields.
    public init(
        jobID: String, minerID: String, resultHash: String, units: Double, unitType: String, durationMilliseconds: Int64,
        completedAt: Int64, payoutAddress: String? = nil
    ) {
        self.jobID = jobID
        self.minerID = minerID
        self.resultHash = resultHash
        self.units = units
        self.unitType = unitType
        self.durationMilliseconds = durationMilliseconds
        self.completedAt = completedAt
        self.payoutAddress = payoutAddress
    }

    /// `sha256:<hex>` of the canonical JSON of `result`.
    /// - Throws: `ReceiptError.nonFiniteNumber` for NaN or infinity inside `result`.
    public static func resultHash(of result: JSONValue) throws(ReceiptError) -> String {
        "sha256:" + Hex.encode(SHA256.hash(try CanonicalJSON.bytes(of: result)))
    }

    /// The claim as a JSON object; `payout_address` only when set, so a claim without one has
    /// the same canonical bytes (and signature) as before the member existed.
    public var json: JSONValue {
        var members: [JSONMember] = [
            JSONMember(key: "job_id", value: .string(jobID)), JSONMember(key: "miner_id", value: .string(minerID)),
            JSONMember(key: "result_hash", value: .string(resultHash)), JSONMember(key: "units", value: .float(units)),
            JSONMember(key: "unit_type", value: .string(unitType)),
            JSONMember(key: "duration_ms", value: .integer(JSONInteger(durationMilliseconds))),
            JSONMember(key: "completed_at", value: .integer(JSONInteger(completedAt))),
        ]
        if let payoutAddress { members.append(JSONMember(key: "payout_address", value: .string(payoutAddress))) }
        return .object(members)
    }

    /// Reads a claim object; nil when a member is missing or has the wrong type, or when
    /// `payout_address` is present but not an `ait1…` address `AccountAddress` parses.
    public init?(json: JSONValue) {
        guard let jobID = json["job_id"]?.stringValue, let minerID = json["miner_id"]?.stringValue,
            let resultHash = json["result_hash"]?.stringValue, let units = json["units"]?.doubleValue, units.isFinite,
            let unitType = json["unit_type"]?.stringValue, let duration = json["duration_ms"]?.int64Value,
            let completedAt = json["completed_at"]?.int64Value
        else { return nil }
        var payoutAddress: String?
        if let member = json["payout_address"] {
            guard let text = Self.validPayoutAddress(member) else { return nil }
            payoutAddress = text
        }
        self.init(
            jobID: jobID, minerID: minerID, resultHash: resultHash, units: units, unitType: unitType,
            durationMilliseconds: duration, completedAt: completedAt, payoutAddress: payoutAddress)
    }

    /// The text of a `payout_address` member when it is a string `AccountAddress` parses; nil otherwise.
    public static func validPayoutAddress(_ member: JSONValue) -> String? {
        guard let text = member.stringValue, (try? AccountAddress(parsing: text)) != nil else { return nil }
        return text
    }

    /// The account this claim pays: `payout_address` when present, else the address of the
    /// miner key that signs it (chain-design "Receipt claim rules" 3).
    /// - Throws: `CryptographyError.invalidBech32` / `.invalidLength` for a `payoutAddress`
    ///   that is not an `ait1…` address (possible only for a claim built in code, not one read by `init?(json:)`).
    public func payout(minerKey: Ed25519.PublicKey) throws(CryptographyError) -> AccountAddress {
        guard let payoutAddress else { return minerKey.address }
        return try AccountAddress(parsing: payoutAddress)
    }

    /// Signs the claim with the miner's key; the result is the `claim_signature` object.
    /// - Throws: `ReceiptError.nonFiniteNumber` when `units` is not finite.
    public func sign(with key: Ed25519.PrivateKey) throws(ReceiptError) -> ReceiptSignature {
        ReceiptSignature(signing: try CanonicalJSON.bytes(of: json), with: key)
    }

    /// Whether `signature` (a `claim_signature` object) is a valid Ed25519 signature of
    /// `claim` (the JSON exactly as received) by `publicKey`. Never throws.
    public static func isValid(claim: JSONValue, signature: JSONValue, publicKey: Ed25519.PublicKey) -> Bool {
        guard signature["alg"]?.stringValue == ReceiptSignature.ed25519,
            signature["key_id"]?.stringValue == publicKey.keyID,
            let sigText = signature["sig"]?.stringValue,
            let sig = try? Base64URL.decode(sigText), sig.count == 64,
            let message = try? CanonicalJSON.bytes(of: claim)
        else { return false }
        return publicKey.isValidSignature(sig, for: message)
    }
}
