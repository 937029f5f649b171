import JSON
import Testing
import WireModels

/// The wallet daemon's wire messages (spec/wallet-daemon.md §8, §9, §12): the reference's field
/// names round-trip to the same bytes, requests refuse unknown members, metadata is coerced as
/// the reference did, and the JSON-RPC 2.0 envelope rules.
@Suite struct WalletMessageTests {
    static let pub = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
    static let address = "ait1y8lrrhap2j3xzcntlp2qgm7jyudhhm2tpgauxq"

    static func json(_ text: String) throws -> JSONValue { try JSONParser(limits: .init(maxInputBytes: 1 << 20)).parse(text) }

    @Test func referenceWalletShapesRoundTrip() throws {
        let wallet = try RoundTripTests.roundTrip(WalletView.self, #"{"wallet_id":"main","public_key":"\#(Self.pub)","metadata":{"label":"primary"}}"#)
        #expect(wallet.kind == nil && wallet.metadata.values == ["label": "primary"])
        try RoundTripTests.roundTrip(
            WalletView.self, #"{"wallet_id":"main","public_key":"\#(Self.pub)","metadata":{},"kind":"hd","address":"\#(Self.address)"}"#)
        try RoundTripTests.roundTrip(WalletListResponse.self, #"{"items":[{"wallet_id":"a","public_key":"\#(Self.pub)","metadata":{}}]}"#)
        try RoundTripTests.roundTrip(WalletCreateResponse.self, #"{"wallet":{"wallet_id":"a","public_key":"\#(Self.pub)","metadata":{}}}"#)
        let create = try RoundTripTests.roundTrip(
            WalletCreateRequest.self, #"{"wallet_id":"main","password":"Correct-horse-9","metadata":{"a":"b"},"secret_key":"AAAA"}"#)
        #expect(create.secretKey == "AAAA" && create.kind == nil)
        try RoundTripTests.roundTrip(WalletUnlockRequest.self, #"{"password":"Correct-horse-9"}"#)
        try RoundTripTests.roundTrip(WalletUnlockState.self, #"{"wallet_id":"main","unlocked":true,"expires_at":"2026-01-01T00:02:00Z"}"#)
        try RoundTripTests.roundTrip(WalletUnlockState.self, #"{"wallet_id":"main","unlocked":false}"#)
        try RoundTripTests.roundTrip(WalletSignRequest.self, #"{"password":"Correct-horse-9","message_base64":"aGk="}"#)
        try RoundTripTests.roundTrip(WalletSignRequest.self, #"{"message_base64":"aGk=","account_id":"main:0:0:1"}"#)
        try RoundTripTests.roundTrip(WalletSignResponse.self, #"{"wallet_id":"main","signature_base64":"c2ln"}"#)
        try RoundTripTests.roundTrip(
            WalletImportMnemonicRequest.self, #"{"wallet_id":"hd1","password":"Correct-horse-9","mnemonic":"abandon about","passphrase":"TREZOR"}"#)
    }

    @Test func metadataScalarsAreCoercedToStringsAsTheReferenceDid() throws {
        let metadata = try WalletMetadata(json: try Self.json(#"{"n":1,"f":1.5,"t":true,"s":"x"}"#))
        #expect(metadata.values == ["n": "1", "f": "1.5", "t": "True", "s": "x"])
        // Sorted on the way out, so equal maps are equal bytes.
        #expect(try JSONSerializer().serialize(metadata.json) == Array(#"{"f":"1.5","n":"1","s":"x","t":"True"}"#.utf8))
        #expect(throws: WireDecodingError.self) { try WalletMetadata(json: try Self.json(#"{"o":{"x":1}}"#)) }
        #expect(throws: WireDecodingError.self) { try WalletMetadata(json: try Self.json(#"{"o":null}"#)) }
    }

    @Test func requestsRefuseUnknownMembersAndNameMissingOnes() throws {
        let unknown = #expect(throws: WireDecodingError.self) {
            try WalletCreateRequest(json: try Self.json(#"{"wallet_id":"a","password":"p","pasword":"x"}"#))
        }
        #expect(unknown?.description.contains("\"pasword\"") == true)
        let missing = #expect(throws: WireDecodingError.self) { try WalletSignRequest(json: try Self.json(#"{"password":"p"}"#)) }
        #expect(missing?.description == "message_base64: field required")
        #expect(throws: WireDecodingError.self) { try WalletUnlockRequest(json: try Self.json(#"[]"#)) }
    }

    @Test func accountsAddressesAndLedgerShapesRoundTrip() throws {
        let account = #"{"account_id":"hd1:0:0:1","wallet_id":"hd1","curve":"ed25519","path":"m/44'/12345'/0'/0'/1'","public_key":"\#(Self.pub)","address":"\#(Self.address)","tags":[]}"#
        try RoundTripTests.roundTrip(WalletAccountView.self, account)
        try RoundTripTests.roundTrip(WalletAccountListResponse.self, #"{"items":[\#(account)]}"#)
        try RoundTripTests.roundTrip(WalletDeriveAccountRequest.self, #"{"path":"m/44'/12345'/0'/0'/1'"}"#)
        try RoundTripTests.roundTrip(
            WalletAddressView.self, #"{"account_id":"a:imported","address":"\#(Self.address)","curve":"ed25519","public_key":"\#(Self.pub)"}"#)
        try RoundTripTests.roundTrip(
            WalletBalanceView.self,
            #"{"account_id":"a:imported","address":"\#(Self.address)","balance":"10","nonce":2,"next_nonce":4,"pending":1,"ledger":"chain"}"#)
        try RoundTripTests.roundTrip(
            WalletBalanceView.self,
            #"{"account_id":"a:imported","address":"\#(Self.address)","balance":"0.5","nonce":null,"next_nonce":null,"pending":0,"ledger":"offline"}"#)
        let send = try RoundTripTests.roundTrip(WalletSendRequest.self, #"{"to":"\#(Self.address)","amount":"5","fee":1}"#)
        #expect(send.amount == "5" && send.password == nil)
        // An integer literal is read as its digits; money is never a float.
        #expect(try WalletSendRequest(json: try Self.json(#"{"to":"x","amount":7}"#)).amount == "7")
        #expect(throws: WireDecodingError.self) { try WalletSendRequest(json: try Self.json(#"{"to":"x","amount":1.5}"#)) }
        #expect(throws: WireDecodingError.self) { try WalletSendRequest(json: try Self.json(#"{"to":"x","amount":-1}"#)) }
        try RoundTripTests.roundTrip(
            WalletTransactionListResponse.self,
            #"{"items":[{"tx_hash":"0xab","from":"\#(Self.address)","to":"\#(Self.address)","amount":"5","fee":1,"nonce":3,"memo":null,"status":"pending","block_height":null,"created_at":"2026-01-01T00:00:00Z","ledger":"chain"}]}"#)
    }

    @Test func receiptVerificationCarriesTrustAndReason() throws {
        let sig = #"{"key_id":"k","alg":"Ed25519","valid":false,"trusted":false,"reason":"bad signature"}"#
        let text = #"{"job_id":"j","receipt_id":"r","miner_signature":\#(sig),"coordinator_attestations":[\#(sig)],"all_valid":false}"#
        let verification = try RoundTripTests.roundTrip(WalletReceiptVerification.self, text)
        #expect(verification.minerSignature.reason == "bad signature")
        try RoundTripTests.roundTrip(WalletReceiptResponse.self, #"{"result":\#(text)}"#)
        try RoundTripTests.roundTrip(WalletReceiptHistoryResponse.self, #"{"items":[]}"#)
        // A reference daemon's Sig (no trusted, no reason) still decodes.
        let reference = try WalletReceiptSignature(json: try Self.json(#"{"key_id":"k","alg":"Ed25519","valid":true}"#))
        #expect(reference.valid && !reference.trusted && reference.reason == nil)
    }

    @Test func errorBodiesKeepTheReferenceDetailShapes() throws {
        try RoundTripTests.roundTrip(WalletErrorBody.self, #"{"detail":"invalid credentials"}"#)
        let locked = try RoundTripTests.roundTrip(WalletErrorBody.self, #"{"detail":"wallet is locked","code":"WALLET_LOCKED"}"#)
        #expect(locked.code == "WALLET_LOCKED")
        let issues = try RoundTripTests.roundTrip(
            WalletErrorBody.self, #"{"detail":[{"loc":["body","password"],"msg":"field required","type":"value_error.missing"}]}"#)
        #expect(issues.message == "body.password: field required")
    }

    @Test func jsonRPCRequestsFollowTheTwoPointZeroRules() throws {
        let request = try JSONRPCRequest(json: try Self.json(#"{"jsonrpc":"2.0","method":"wallet.list","id":7}"#))
        #expect(request.id == JSONRPCID(7) && !request.isNotification && request.params == nil)
        // No id member: a notification; "id": null is a request with a null id.
        #expect(try JSONRPCRequest(json: try Self.json(#"{"jsonrpc":"2.0","method":"wallet.list"}"#)).isNotification)
        #expect(try JSONRPCRequest(json: try Self.json(#"{"jsonrpc":"2.0","method":"wallet.list","id":null}"#)).id == .null)
        for invalid in [
            #"{"method":"wallet.list","id":1}"#, #"{"jsonrpc":"1.0","method":"wallet.list","id":1}"#, #"{"jsonrpc":"2.0","id":1}"#,
            #"{"jsonrpc":"2.0","method":"wallet.list","params":[1],"id":1}"#, #"{"jsonrpc":"2.0","method":"m","id":{}}"#, #"5"#,
        ] {
            #expect(throws: WireDecodingError.self, "\(invalid)") { try JSONRPCRequest(json: try Self.json(invalid)) }
        }
        let reply = JSONRPCResponse.error(JSONRPCErrorCode.rateLimited, "rate limit exceeded", data: ["retry_after": 3], id: JSONRPCID("a"))
        #expect(reply.text == #"{"jsonrpc":"2.0","id":"a","error":{"code":-32005,"message":"rate limit exceeded","data":{"retry_after":3}}}"#)
        try RoundTripTests.roundTrip(JSONRPCResponse.self, #"{"jsonrpc":"2.0","id":1,"result":{"items":[]}}"#)
        try RoundTripTests.roundTrip(WalletRPCSignParams.self, #"{"wallet_id":"a","password":"p","message":"aGk="}"#)
        try RoundTripTests.roundTrip(WalletRPCSignResult.self, #"{"wallet_id":"a","signature":"c2ln"}"#)
        try RoundTripTests.roundTrip(WalletRPCUnlockParams.self, #"{"wallet_id":"a","password":"p","ttl_seconds":60}"#)
        try RoundTripTests.roundTrip(WalletRPCWalletParams.self, #"{"wallet_id":"a","path":"m/0'"}"#)
        try RoundTripTests.roundTrip(WalletRPCJobParams.self, #"{"job_id":"j"}"#)
        #expect(WalletRPCMethod(rawValue: "wallet.sign") == .walletSign)
    }
}
