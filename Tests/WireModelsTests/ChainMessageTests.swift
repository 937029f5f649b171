import JSON
import Testing
import WireModels

/// The chain node's wire messages (spec/chain-node.md §6, §8): round trips to the same bytes,
/// strict transaction decoding naming the field, and the address and hash identifiers.
@Suite struct ChainMessageTests {
    // Addresses and keys from LedgerTests' vectors (RFC 8032 test keys; bech32 by Python).
    static let alice = "ait1y8lrrhap2j3xzcntlp2qgm7jyudhhm2tpgauxq"
    static let bob = "ait188m3859xgsjn7pzjjssmnagmnvyf08gg6kjhkd"
    static let alicePublicKey = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
    static let sig =
        "fcb6257d90fa1f82a230903c229348f1c40156c358bfa162b6e68628289730327e00218d2296c1d6127ff4a0e3d9ada825bb6150822950b98619dc0dfe032003"
    static let txHash = "0xce8259d66ac268d052b2b69b0733b90c8d9a3be1165efdf57a36692f2b25500b"
    static let otherHash = "0x" + String(repeating: "ab", count: 32)
    static let zeroHash = "0x" + String(repeating: "0", count: 64)
    static let receiptID = "fedcba9876543210fedcba9876543210"

    static let transfer =
        #"{"type":"TRANSFER","chain_id":"ait-devnet","sender":"\#(alice)","public_key":"\#(alicePublicKey)","nonce":1,"fee":90,"payload":{"to":"\#(bob)","amount":12345},"sig":"\#(sig)"}"#

    static func json(_ text: String) throws -> JSONValue { try JSONParser(limits: .init(maxInputBytes: 1 << 20)).parse(text) }

    /// The transfer with `member` (a top-level one, or `payload.<name>`) replaced by `value` text.
    static func transfer(_ member: String, _ value: String?) throws -> JSONValue {
        var body = try json(transfer)
        let parsed = try value.map { try json($0) }
        if member.hasPrefix("payload.") {
            let name = String(member.dropFirst("payload.".count))
            body = body.replacing("payload", with: (body["payload"] ?? .null).replacing(name, with: parsed))
        } else {
            body = body.replacing(member, with: parsed)
        }
        return body
    }

    /// The refusal message of `TransactionMessage(json:)`, or nil when it decodes.
    static func refusal(_ json: JSONValue) -> String? {
        do {
            _ = try TransactionMessage(json: json)
            return nil
        } catch {
            return error.description
        }
    }

    // MARK: round trips

    @Test func transferRoundTripsToTheSameBytes() throws {
        let message = try RoundTripTests.roundTrip(TransactionMessage.self, Self.transfer)
        #expect(message.type == .transfer && message.nonce == 1 && message.fee == 90)
        #expect(message.payload == .transfer(to: try #require(Address(Self.bob)), amount: 12_345))
        #expect(message.payload.recipient == Self.bob)
        // `unsignedJSON` is every member but `sig`, in wire order.
        #expect(message.unsignedJSON.objectValue?.map(\.key) == ["type", "chain_id", "sender", "public_key", "nonce", "fee", "payload"])
    }

    @Test func receiptClaimCarriesTheReceiptVerbatim() throws {
        let receipt = #"{"receipt_id":"\#(Self.receiptID)","units":1.5,"metadata":{"work_claim":{"payout_address":"\#(Self.bob)"}},"signature":{"alg":"Ed25519"}}"#
        let text =
            #"{"type":"RECEIPT_CLAIM","chain_id":"ait-devnet","sender":"\#(Self.alice)","public_key":"\#(Self.alicePublicKey)","nonce":2,"fee":1000,"payload":{"receipt":\#(receipt)},"sig":"\#(Self.sig)"}"#
        let message = try RoundTripTests.roundTrip(TransactionMessage.self, text)
        #expect(message.type == .receiptClaim)
        #expect(message.payload == .receiptClaim(receipt: try Self.json(receipt)))
        #expect(message.payload.recipient == Self.bob)
    }

    @Test func typeIsReadInAnyCaseAndWrittenUpperCase() throws {
        let lower = try TransactionMessage(json: try Self.transfer("type", #""transfer""#))
        #expect(lower.type == .transfer)
        #expect(lower.text == Self.transfer)
        #expect(try TransactionMessage(json: try Self.transfer("type", #""Transfer""#)).text == Self.transfer)
        // Upper-case hex is read and written lower-case.
        let upper = try TransactionMessage(json: try Self.transfer("public_key", "\"\(Self.alicePublicKey.uppercased())\""))
        #expect(upper.publicKey == Self.alicePublicKey)
    }

    @Test func sendTxMessagesRoundTrip() throws {
        try RoundTripTests.roundTrip(SendTxResponse.self, #"{"tx_hash":"\#(Self.txHash)","status":"pending"}"#)
        let batch = try RoundTripTests.roundTrip(SendTxsRequest.self, #"{"txs":[\#(Self.transfer),\#(Self.transfer)]}"#)
        #expect(batch.txs.count == 2)
        let results = try RoundTripTests.roundTrip(
            SendTxsResponse.self,
            #"{"results":[{"tx_hash":"\#(Self.txHash)","status":"pending"},{"tx_hash":"\#(Self.otherHash)","error":{"code":"NONCE_GAP","message":"nonce: expected 1, got 3"}},{"error":{"code":"INVALID","message":"txs[2].sig: must be 128 hex characters"}}],"accepted":1,"rejected":2}"#
        )
        #expect(results.accepted == 1)
        #expect(results.results[1] == .rejected(code: "NONCE_GAP", message: "nonce: expected 1, got 3", txHash: TxHash(Self.otherHash)))
        try RoundTripTests.roundTrip(EstimateFeeRequest.self, #"{"type":"TRANSFER","payload":{"to":"\#(Self.bob)","amount":1}}"#)
        #expect(try EstimateFeeRequest(json: try Self.json("{}")) == EstimateFeeRequest())
        try RoundTripTests.roundTrip(
            EstimateFeeResponse.self, #"{"type":"RECEIPT_CLAIM","base_fee":10,"fee_per_byte":1,"payload_bytes":66,"estimated_fee":76}"#)
    }

    @Test func readViewsRoundTrip() throws {
        let time = #""timestamp":"2024-09-27T01:20:10.000Z","time_ms":1727400010000"#
        let head = try RoundTripTests.roundTrip(HeadView.self, #"{"height":5,"hash":"\#(Self.txHash)",\#(time),"tx_count":3}"#)
        #expect(head.timestamp.unixMilliseconds == 1_727_400_010_000)
        let block = try RoundTripTests.roundTrip(
            BlockView.self,
            #"{"height":1,"hash":"\#(Self.otherHash)","parent_hash":"\#(Self.zeroHash)",\#(time),"proposer":"\#(Self.alice)","proposer_key":"\#(Self.alicePublicKey)","tx_count":1,"tx_root":"\#(Self.otherHash)","state_root":"\#(Self.otherHash)","receipts_root":"\#(Self.zeroHash)","signature":"\#(Self.sig)","txs":["\#(Self.txHash)"]}"#
        )
        #expect(block.txs == [try #require(TxHash(Self.txHash))] && block.parentHash == .zero)
        try RoundTripTests.roundTrip(
            AccountView.self, #"{"address":"\#(Self.alice)","balance":100,"nonce":2,"next_nonce":4,"updated_at":"2024-09-27T01:20:10.000Z"}"#)
        let never = try RoundTripTests.roundTrip(AccountView.self, #"{"address":"\#(Self.bob)","balance":0,"nonce":0,"next_nonce":1}"#)
        #expect(never.updatedAt == nil)
        // An older node without next_nonce: the next one after nonce.
        #expect(try AccountView(json: try Self.json(#"{"address":"\#(Self.bob)","balance":0,"nonce":7}"#)).nextNonce == 8)
        try RoundTripTests.roundTrip(
            TxView.self,
            #"{"tx_hash":"\#(Self.txHash)","status":"included","block_height":9,"type":"TRANSFER","sender":"\#(Self.alice)","recipient":"\#(Self.bob)","nonce":1,"fee":90,"payload":{"to":"\#(Self.bob)","amount":12345},"created_at":"2024-09-27T01:20:10.000Z"}"#
        )
        try RoundTripTests.roundTrip(
            TxView.self,
            #"{"tx_hash":"\#(Self.txHash)","status":"pending","block_height":null,"type":"RECEIPT_CLAIM","sender":"\#(Self.alice)","recipient":"","nonce":1,"fee":90,"payload":{"receipt":{}},"created_at":null}"#
        )
        try RoundTripTests.roundTrip(
            ChainReceiptView.self,
            #"{"receipt_id":"\#(Self.receiptID)","job_id":"0123456789abcdef0123456789abcdef","tx_hash":"\#(Self.txHash)","block_height":9,"miner_address":"\#(Self.bob)","coordinator_address":"\#(Self.alice)","minted_amount":12500,"coordinator_amount":625,"payload":{"receipt_id":"\#(Self.receiptID)"},"miner_signature":{"alg":"Ed25519"},"coordinator_attestations":[],"recorded_at":"2024-09-27T01:20:10.000Z"}"#
        )
        try RoundTripTests.roundTrip(FaucetRequest.self, #"{"address":"\#(Self.alice)","amount":1000}"#)
        try RoundTripTests.roundTrip(
            FaucetResponse.self, #"{"address":"\#(Self.alice)","amount":1000,"tx_hash":"\#(Self.txHash)","status":"pending","balance":0}"#)
    }

    // MARK: strict transaction decoding

    @Test func malformedHexIsRefusedNamingTheField() throws {
        let rule64 = "public_key: must be 64 hex characters"
        #expect(Self.refusal(try Self.transfer("public_key", #""abc""#)) == rule64)
        #expect(Self.refusal(try Self.transfer("public_key", "\"" + String(repeating: "g", count: 64) + "\"")) == rule64)
        #expect(Self.refusal(try Self.transfer("public_key", "\"0x" + Self.alicePublicKey.dropLast(2) + "\"")) == rule64)
        #expect(Self.refusal(try Self.transfer("public_key", "5")) == rule64)
        #expect(Self.refusal(try Self.transfer("sig", "\"" + Self.sig.dropLast() + "\"")) == "sig: must be 128 hex characters")
        #expect(Self.refusal(try Self.transfer("sig", #""""#)) == "sig: must be 128 hex characters")
        #expect(Self.refusal(try Self.transfer("sig", nil)) == "sig: field required")
    }

    @Test func malformedAddressesAreRefusedNamingTheField() throws {
        let rule = "must be an ait1… bech32 address"
        let badChecksum = String(Self.bob.dropLast()) + (Self.bob.hasSuffix("d") ? "e" : "d")
        for bad in [#""ait1alice""#, "\"\(badChecksum)\"", #""bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4""#, "\"Ait1" + Self.alice.dropFirst(4) + "\"", #""""#] {
            #expect(Self.refusal(try Self.transfer("sender", bad)) == "sender: \(rule)", "\(bad)")
            #expect(Self.refusal(try Self.transfer("payload.to", bad)) == "payload.to: \(rule)", "\(bad)")
        }
    }

    @Test func amountsMustBeIntegerLiteralsInRange() throws {
        let rule = "must be an integer in 0…9223372036854775807"
        for bad in ["1.5", #""10""#, "-1", "9223372036854775808", "1e3", "10.0", "true", "null"] {
            let expected = bad == "null" ? "payload.amount: field required" : "payload.amount: \(rule)"
            #expect(Self.refusal(try Self.transfer("payload.amount", bad)) == expected, "\(bad)")
        }
        #expect(Self.refusal(try Self.transfer("payload.amount", "9223372036854775807")) == nil)
        #expect(Self.refusal(try Self.transfer("payload.amount", "0")) == nil)
        #expect(Self.refusal(try Self.transfer("nonce", "1.5")) == "nonce: \(rule)")
        #expect(Self.refusal(try Self.transfer("fee", #""10""#)) == "fee: \(rule)")
        #expect(Self.refusal(try Self.transfer("fee", "-10")) == "fee: \(rule)")
    }

    @Test func unknownMembersAreRefusedSoNothingRidesAlongUnsigned() throws {
        #expect(
            Self.refusal(try Self.transfer("memo", #""hi""#))
                == #"unknown field "memo" in body (known: type, chain_id, sender, public_key, nonce, fee, payload, sig)"#)
        #expect(Self.refusal(try Self.transfer("payload.memo", #""hi""#)) == #"payload: unknown field "memo" (known: to, amount)"#)
        let claim = try Self.transfer("type", #""RECEIPT_CLAIM""#)
        #expect(Self.refusal(claim) == #"payload: unknown field "to" (known: receipt)"#)
        #expect(Self.refusal(claim.replacing("payload", with: ["receipt": "x"])) == "payload.receipt: must be an object")
        #expect(Self.refusal(claim.replacing("payload", with: .object([]))) == "payload.receipt: field required")
    }

    @Test func typeChainIDAndPayloadAreChecked() throws {
        #expect(Self.refusal(try Self.transfer("type", #""MINT""#)) == "type: must be TRANSFER or RECEIPT_CLAIM")
        #expect(Self.refusal(try Self.transfer("type", nil)) == "type: field required")
        #expect(Self.refusal(try Self.transfer("chain_id", #""""#)) == "chain_id: must be 1…64 bytes")
        #expect(Self.refusal(try Self.transfer("chain_id", "\"" + String(repeating: "c", count: 65) + "\"")) == "chain_id: must be 1…64 bytes")
        #expect(Self.refusal(try Self.transfer("chain_id", "7")) == "chain_id: must be a string")
        #expect(Self.refusal(try Self.transfer("payload", nil)) == "payload: field required")
        #expect(Self.refusal(try Self.transfer("payload", "[]")) == "payload: must be an object")
        #expect(Self.refusal(.array([])) == "body: must be a JSON object")
    }

    @Test func batchDecodesEachTransactionOnItsOwn() throws {
        let bad = try Self.transfer("payload.amount", "1.5")
        let batch = try SendTxsRequest(json: .object([JSONMember(key: "txs", value: [try Self.json(Self.transfer), bad])]))
        #expect(batch.txs.count == 2)
        #expect((try? batch.txs[0].get()) != nil)
        #expect(throws: WireDecodingError(field: "txs[1].payload.amount", reason: "must be an integer in 0…9223372036854775807")) {
            try batch.txs[1].get()
        }
        // Only the good one is encoded back.
        #expect(batch.json == .object([JSONMember(key: "txs", value: [try Self.json(Self.transfer)])]))
        #expect(throws: WireDecodingError(field: "txs", reason: "must hold 1…1000 transactions")) {
            try SendTxsRequest(json: try Self.json(#"{"txs":[]}"#))
        }
        let tooMany = JSONValue.object([JSONMember(key: "txs", value: .array(Array(repeating: .object([]), count: 1_001)))])
        #expect(throws: WireDecodingError(field: "txs", reason: "must hold 1…1000 transactions")) { try SendTxsRequest(json: tooMany) }
        #expect(throws: WireDecodingError.self) { try SendTxsRequest(json: try Self.json(#"{"txs":[],"extra":1}"#)) }
    }

    @Test func faucetRefusesZeroAndUnknownMembers() throws {
        #expect(throws: WireDecodingError(field: "amount", reason: "must be greater than 0")) {
            try FaucetRequest(json: try Self.json(#"{"address":"\#(Self.alice)","amount":0}"#))
        }
        #expect(throws: WireDecodingError.self) { try FaucetRequest(json: try Self.json(#"{"address":"\#(Self.alice)","amount":1,"to":"x"}"#)) }
    }

    // MARK: identifiers

    @Test func addressesAreReadInEitherCaseAndKeptLowerCase() throws {
        let upper = try #require(Address(Self.alice.uppercased()))
        #expect(upper.rawValue == Self.alice)
        #expect(upper == Address(Self.alice))
        #expect(Address("Ait1" + Self.alice.dropFirst(4)) == nil)  // mixed case
        #expect(Address(Self.alice + String(repeating: "q", count: 60)) == nil)  // over bech32's 90 characters
        #expect(Address("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4") == nil)  // another hrp
        #expect(Address("ait1") == nil && Address("") == nil)
    }

    @Test func hashesAreReadWithOrWithoutPrefixAndKeptAsLowerCaseWithPrefix() throws {
        let digits = String(repeating: "Ab", count: 32)
        let expected = "0x" + digits.lowercased()
        #expect(Hash32(digits)?.rawValue == expected)
        #expect(Hash32("0x" + digits)?.rawValue == expected)
        #expect(Hash32("0X" + digits)?.rawValue == expected)
        #expect(Hash32(String(digits.dropLast())) == nil)
        #expect(Hash32(digits + "ab") == nil)
        #expect(Hash32("0x" + String(repeating: "g", count: 64)) == nil)
        #expect(Hash32("0x0x" + digits.dropFirst(2)) == nil)
        let hash = try #require(Hash32(expected))
        #expect(Hash32(bytes: hash.bytes) == hash)
        #expect(hash.bytes.count == 32)
        #expect(Hash32.zero.rawValue == Self.zeroHash)
        #expect(throws: WireDecodingError(field: "tx_hash", reason: Hash32.rule)) { try TxHash(json: "0x12", field: "tx_hash") }
    }
}

extension JSONValue {
    /// This object with member `key` replaced (appended when new, removed when nil).
    func replacing(_ key: String, with value: JSONValue?) -> JSONValue {
        guard case .object(var members) = self else { return self }
        if let index = members.firstIndex(where: { $0.key == key }) {
            if let value { members[index].value = value } else { members.remove(at: index) }
        } else if let value {
            members.append(JSONMember(key: key, value: value))
        }
        return .object(members)
    }
}
