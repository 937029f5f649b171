import Cryptography
import JSON
import Receipts
import Testing

/// The work claim's wire form with and without `payout_address`: an old claim keeps its
/// canonical bytes (so its signature), and a present address must be one the chain can pay.
@Suite struct WorkClaimJSONTests {
    let parser = JSONParser(limits: .init(maxInputBytes: 1 << 20))
    static let minerKey: Ed25519.PrivateKey = (try? Ed25519.PrivateKey(seedHex: String(repeating: "07", count: 32))) ?? .generate()
    static let walletKey: Ed25519.PrivateKey = (try? Ed25519.PrivateKey(seedHex: String(repeating: "09", count: 32))) ?? .generate()
    static let wallet = walletKey.publicKey.address.description
    static let resultHash = "sha256:" + String(repeating: "ab", count: 32)

    /// A claim as a miner from before `payout_address` wrote it, and its canonical text.
    static let oldClaimText =
        #"{"job_id":"job-1","miner_id":"miner-1","result_hash":"\#(resultHash)","units":1.5,"unit_type":"cpu_seconds","duration_ms":1500,"completed_at":1700000000}"#
    static let oldCanonical =
        #"{"completed_at":1700000000,"duration_ms":1500,"job_id":"job-1","miner_id":"miner-1","result_hash":"\#(resultHash)","unit_type":"cpu_seconds","units":1.5}"#

    func claim(payoutAddress: String?) -> WorkClaim {
        WorkClaim(
            jobID: "job-1", minerID: "miner-1", resultHash: Self.resultHash, units: 1.5, unitType: "cpu_seconds",
            durationMilliseconds: 1_500, completedAt: 1_700_000_000, payoutAddress: payoutAddress)
    }

    @Test func aClaimWithoutPayoutAddressKeepsItsCanonicalBytesAndSignature() throws {
        let received = try parser.parse(Self.oldClaimText)
        let parsed = try #require(WorkClaim(json: received))
        #expect(parsed.payoutAddress == nil)
        #expect(parsed == claim(payoutAddress: nil))
        #expect(parsed.json["payout_address"] == nil)
        #expect(String(decoding: try CanonicalJSON.bytes(of: parsed.json), as: UTF8.self) == Self.oldCanonical)
        // A signature made over the old bytes still verifies against the re-encoded claim.
        let signature = ReceiptSignature(signing: Array(Self.oldCanonical.utf8), with: Self.minerKey).json
        #expect(WorkClaim.isValid(claim: parsed.json, signature: signature, publicKey: Self.minerKey.publicKey))
        // No address: the payout is the signing key's own account.
        #expect(try parsed.payout(minerKey: Self.minerKey.publicKey) == Self.minerKey.publicKey.address)
    }

    @Test func aClaimWithPayoutAddressRoundTripsAndPaysThatAddress() throws {
        let original = claim(payoutAddress: Self.wallet)
        #expect(original.json["payout_address"]?.stringValue == Self.wallet)
        let text = String(decoding: try CanonicalJSON.bytes(of: original.json), as: UTF8.self)
        // Sorted between miner_id and result_hash; the other members' bytes are the old ones.
        #expect(
            text
                == #"{"completed_at":1700000000,"duration_ms":1500,"job_id":"job-1","miner_id":"miner-1","payout_address":"\#(Self.wallet)","result_hash":"\#(Self.resultHash)","unit_type":"cpu_seconds","units":1.5}"#
        )
        let parsed = try #require(WorkClaim(json: try parser.parse(text)))
        #expect(parsed == original)
        #expect(try CanonicalJSON.bytes(of: parsed.json) == CanonicalJSON.bytes(of: original.json))
        #expect(try parsed.payout(minerKey: Self.minerKey.publicKey) == Self.walletKey.publicKey.address)
        let signature = try original.sign(with: Self.minerKey).json
        #expect(WorkClaim.isValid(claim: parsed.json, signature: signature, publicKey: Self.minerKey.publicKey))
    }

    /// bech32 allows an all-uppercase string; the claim keeps the signed text as it came, so
    /// re-encoding reproduces the bytes the miner signed.
    @Test func anUppercaseAddressIsAcceptedAndKeptAsSigned() throws {
        let upper = Self.wallet.uppercased()
        let parsed = try #require(WorkClaim(json: claim(payoutAddress: upper).json))
        #expect(parsed.payoutAddress == upper)
        #expect(try parsed.payout(minerKey: Self.minerKey.publicKey) == Self.walletKey.publicKey.address)
    }

    @Test(arguments: [
        "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4",  // valid bech32 (BIP-173), another human-readable part
        "ait1",  // no data
        "not an address", "",
    ])
    func anInvalidPayoutAddressIsRefused(address: String) {
        #expect(WorkClaim(json: claim(payoutAddress: address).json) == nil)
    }

    @Test func aBrokenChecksumMixedCaseOrNonStringAddressIsRefused() throws {
        var broken = Self.wallet
        let last = broken.removeLast()
        broken.append(last == "q" ? "p" : "q")
        let mixed = Self.wallet.prefix(10).uppercased() + Self.wallet.dropFirst(10)
        // 19 key-hash bytes: valid bech32 under "ait", the wrong length for an address.
        let short = try Bech32.encode(hrp: "ait", data: Bech32.convertBits(Array(repeating: 1, count: 19), from: 8, to: 5, pad: true))
        let otherPart = try Bech32.encode(hrp: "cosmos", data: Bech32.convertBits(Self.walletKey.publicKey.address.keyHash, from: 8, to: 5, pad: true))
        for address in [broken, mixed, short, otherPart] {
            #expect(WorkClaim(json: claim(payoutAddress: address).json) == nil, "accepted \(address)")
        }
        for value: JSONValue in [.null, 1, .array([]), .bool(true)] {
            guard case .object(var members) = claim(payoutAddress: nil).json else { return }
            members.append(JSONMember(key: "payout_address", value: value))
            #expect(WorkClaim(json: .object(members)) == nil)
        }
    }
}
