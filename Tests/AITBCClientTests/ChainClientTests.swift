import AITBCClient
import Cryptography
import HTTP1
import HTTPServer
import JSON
import Ledger
import Testing
import WireModels

/// `ChainClient` against a scripted node on 127.0.0.1: the paths and bodies it sends, what it
/// decodes, what it signs, and how node errors map into `AITBCError`. Waits between retries
/// and polls are recorded, never slept.
@Suite struct ChainClientTests {
    static let seed = "e2c35a46318ec09cf1cc04f06c4ba18bf2cd3f0ed318d986f01228bdbf9fd326"
    static let time = WireTime(rawValue: "2024-09-27T01:20:00Z", unixMilliseconds: 1_727_400_000_000)

    static func key() throws -> Ed25519.PrivateKey { try Ed25519.PrivateKey(seedHex: seed) }

    static func recipient() throws -> Address {
        Address(publicKey: try Ed25519.PrivateKey(seedBytes: [UInt8](repeating: 9, count: 32)).publicKey)
    }

    static func hash(_ byte: UInt8) -> Hash32 { Hash32(bytes: [UInt8](repeating: byte, count: 32)) }

    /// A client of `server` whose waits go to `recorder`.
    static func client(_ server: ScriptedCoordinator, _ recorder: SleepRecorder = SleepRecorder(), maxRetries: Int = 3) -> ChainClient {
        var configuration = ChainConfiguration(baseURL: server.baseURL, maxRetries: maxRetries)
        configuration.connection = recorder.configure(configuration.connection)
        return ChainClient(configuration: configuration)
    }

    static func ok(_ message: some WireMessage) -> Response { ScriptedCoordinator.json(.ok, message.text) }

    static func refusal(_ status: HTTPResponseStatus, _ code: String, _ message: String, headers: HTTPHeaders = HTTPHeaders()) -> Response {
        ScriptedCoordinator.json(status, #"{"error":{"code":"\#(code)","message":"\#(message)","details":null}}"#, headers: headers)
    }

    static func account(_ address: Address, nextNonce: UInt64) -> AccountView {
        AccountView(address: address, balance: 50_000, nonce: nextNonce - 1, nextNonce: nextNonce, updatedAt: time)
    }

    static func estimate(_ fee: UInt64, type: TransactionType = .transfer) -> EstimateFeeResponse {
        EstimateFeeResponse(type: type, baseFee: 10, feePerByte: 1, payloadBytes: fee - 10, estimatedFee: fee)
    }

    static func parse(_ bytes: [UInt8]) throws -> JSONValue { try JSONParser(limits: .init(maxInputBytes: 1 << 20)).parse(bytes) }

    /// The transaction a sendTx body holds, checked the way the node checks it.
    static func verified(_ body: [UInt8], chainID: String = ChainConfiguration.defaultChainID) throws -> VerifiedTransaction {
        try VerifiedTransaction(try TransactionMessage(json: try parse(body)), chainID: chainID)
    }

    /// The answer a node gives to the transaction in `body`: its id, pending.
    static func admitted(_ body: [UInt8]) -> Response {
        guard let transaction = try? verified(body) else { return refusal(.badRequest, "BAD_SIGNATURE", "no") }
        return ok(SendTxResponse(txHash: transaction.id))
    }

    // MARK: - reads

    @Test func headIsAGetOfRpcHead() async throws {
        let head = HeadView(height: 7, hash: Self.hash(7), timestamp: Self.time, txCount: 2)
        try await ScriptedCoordinator.with(requests: { _, _ in Self.ok(head) }) { server in
            let got1 = try await Self.client(server).head()
            #expect(got1 == head)
            #expect(server.requests.map(\.path) == ["/rpc/head"])
            #expect(server.requests.first?.method == .get)
        }
    }

    @Test func blocksAreReadByHeightAndByHash() async throws {
        let block = BlockView(
            height: 3, hash: Self.hash(3), parentHash: Self.hash(2), timestamp: Self.time, proposer: "", proposerKey: "",
            txCount: 1, txRoot: Self.hash(4), stateRoot: Self.hash(5), receiptsRoot: Self.hash(6), signature: "", txs: [Self.hash(8)])
        try await ScriptedCoordinator.with(requests: { _, _ in Self.ok(block) }) { server in
            let client = Self.client(server)
            let got2 = try await client.block(height: 3)
            #expect(got2 == block)
            let got3 = try await client.block(hash: Self.hash(3))
            #expect(got3 == block)
            #expect(server.requests.map(\.path) == ["/rpc/blocks/3", "/rpc/getBlock/\(Self.hash(3).rawValue)"])
        }
    }

    @Test func aBlockOfAnotherHeightOrHashIsRefused() async throws {
        let block = BlockView(
            height: 3, hash: Self.hash(3), parentHash: Self.hash(2), timestamp: Self.time, proposer: "", proposerKey: "",
            txCount: 0, txRoot: Self.hash(4), stateRoot: Self.hash(5), receiptsRoot: Self.hash(6), signature: "", txs: [])
        try await ScriptedCoordinator.with(requests: { _, _ in Self.ok(block) }) { server in
            let client = Self.client(server)
            await #expect { _ = try await client.block(height: 4) } throws: { ($0 as? AITBCError)?.kind == .invalidResponse }
            await #expect { _ = try await client.block(hash: Self.hash(9)) } throws: { ($0 as? AITBCError)?.kind == .invalidResponse }
        }
    }

    @Test func transactionReceiptAndAccountPaths() async throws {
        let key = try Self.key()
        let sender = Address(publicKey: key.publicKey)
        let tx = TxView(
            txHash: Self.hash(1), status: .included, blockHeight: 5, type: .transfer, sender: sender, recipient: try Self.recipient().rawValue,
            nonce: 1, fee: 10, payload: ["to": .string(try Self.recipient().rawValue), "amount": 5], createdAt: Self.time)
        let receiptID = try #require(ReceiptID("0123456789abcdef0123456789abcdef"))
        let receipt = ChainReceiptView(
            receiptID: receiptID, jobID: "job", txHash: Self.hash(1), blockHeight: 5, minerAddress: sender, coordinatorAddress: sender,
            mintedAmount: 1_000, coordinatorAmount: 50, payload: ["receipt_id": .string(receiptID.rawValue)], minerSignature: .null,
            coordinatorAttestations: .array([]), recordedAt: Self.time)
        let account = Self.account(sender, nextNonce: 3)
        try await ScriptedCoordinator.with(requests: { request, _ in
            switch request.path {
            case "/rpc/tx/\(Self.hash(1).rawValue)": Self.ok(tx)
            case "/rpc/receipts/\(receiptID.rawValue)": Self.ok(receipt)
            case "/rpc/getBalance/\(sender.rawValue)": Self.ok(account)
            default: Self.refusal(.notFound, "NOT_FOUND", "no route")
            }
        }) { server in
            let client = Self.client(server)
            let got4 = try await client.transaction(Self.hash(1))
            #expect(got4 == tx)
            let got5 = try await client.receipt(receiptID)
            #expect(got5 == receipt)
            let got6 = try await client.account(sender)
            #expect(got6 == account)
            #expect(server.requests.allSatisfy { $0.method == .get })
        }
    }

    @Test func anUnknownTransactionIsA404WithTheNodesCode() async throws {
        try await ScriptedCoordinator.with(requests: { _, _ in Self.refusal(.notFound, "TX_NOT_FOUND", "no transaction 0x01") }) { server in
            do {
                _ = try await Self.client(server).transaction(Self.hash(1))
                Issue.record("an unknown transaction was returned")
            } catch let error as AITBCError {
                #expect(error.kind == .rejected)
                #expect(error.status == 404)
                #expect(error.code == "TX_NOT_FOUND")
                #expect(error.message == "no transaction 0x01")
            }
            // A 404 is an answer: never retried.
            #expect(server.requests.count == 1)
        }
    }

    @Test func nodeTextIsEscapedInErrors() async throws {
        try await ScriptedCoordinator.with(requests: { _, _ in Self.refusal(.badRequest, "FEE_TOO_LOW", #"fee \u001b[31mlow"#) }) { server in
            do {
                _ = try await Self.client(server).head()
                Issue.record("a 400 was returned")
            } catch let error as AITBCError {
                #expect(error.code == "FEE_TOO_LOW")
                #expect(!error.message.unicodeScalars.contains("\u{1B}"))
                #expect(error.message.contains(#"\u{1B}"#))
            }
        }
    }

    @Test func readsAreRetriedOn503AndAnUndocumentedBodyIsInvalidResponse() async throws {
        let recorder = SleepRecorder()
        try await ScriptedCoordinator.with(requests: { _, attempt in
            attempt == 1 ? ScriptedCoordinator.json(.serviceUnavailable, "{}") : ScriptedCoordinator.json(.ok, #"{"height":"x"}"#)
        }) { server in
            await #expect { _ = try await Self.client(server, recorder).head() } throws: { error in
                guard let error = error as? AITBCError else { return false }
                return error.kind == .invalidResponse && error.message.contains("height")
            }
            #expect(server.requests.count == 2)
            #expect(recorder.all.count == 1)
        }
    }

    // MARK: - sending

    @Test func sendPostsTheSignedTransactionAndChecksTheAnsweredId() async throws {
        let key = try Self.key()
        let transaction = try TransactionMessage.make(
            chainID: "ait-devnet", key: key, nonce: 1, fee: 10, payload: .transfer(to: try Self.recipient(), amount: 5))
        let id = try transaction.transactionID()
        try await ScriptedCoordinator.with(requests: { request, _ in Self.admitted(request.body) }) { server in
            let answer = try await Self.client(server).send(transaction)
            #expect(answer == SendTxResponse(txHash: id, status: .pending))
            let request = try #require(server.requests.first)
            #expect(request.method == .post)
            #expect(request.path == "/rpc/sendTx")
            #expect(request.headers["Content-Type"] == "application/json")
            #expect(request.body == transaction.bytes)
        }
        // An answer naming another id is not this transaction's.
        try await ScriptedCoordinator.with(requests: { _, _ in Self.ok(SendTxResponse(txHash: Self.hash(1))) }) { server in
            _ = await #expect { _ = try await Self.client(server).send(transaction) } throws: { ($0 as? AITBCError)?.kind == .invalidResponse }
        }
    }

    @Test func anUnsignedTransactionIsNeverSent() async throws {
        let key = try Self.key()
        let unsigned = TransactionMessage(
            chainID: "ait-devnet", sender: Address(publicKey: key.publicKey), publicKey: key.publicKey.hex, nonce: 1, fee: 10,
            payload: .transfer(to: try Self.recipient(), amount: 5))
        try await ScriptedCoordinator.with(requests: { _, _ in ScriptedCoordinator.json(.ok, "{}") }) { server in
            await #expect { _ = try await Self.client(server).send(unsigned) } throws: { ($0 as? AITBCError)?.kind == .invalidRequest }
            #expect(server.requests.isEmpty)
        }
    }

    @Test func aSendIsRetriedOnAFullMempoolWithItsRetryAfter() async throws {
        let recorder = SleepRecorder()
        let transaction = try TransactionMessage.make(
            chainID: "ait-devnet", key: try Self.key(), nonce: 1, fee: 10, payload: .transfer(to: try Self.recipient(), amount: 5))
        try await ScriptedCoordinator.with(requests: { request, attempt in
            attempt == 1
                ? Self.refusal(.tooManyRequests, "MEMPOOL_FULL", "the mempool is full", headers: ["Retry-After": "1"])
                : Self.admitted(request.body)
        }) { server in
            let answer = try await Self.client(server, recorder).send(transaction)
            let id = try transaction.transactionID()
            #expect(answer.txHash == id)
            #expect(recorder.all == [.seconds(1)])
            // The same bytes both times: the same transaction, never a second one.
            #expect(server.requests.count == 2)
            #expect(server.requests.map(\.body) == [transaction.bytes, transaction.bytes])
        }
    }

    @Test(arguments: [("TX_ALREADY_PENDING", TxStatus.pending), ("TX_ALREADY_INCLUDED", TxStatus.included)])
    func aTransactionTheNodeHoldsIsNotAnError(code: String, status: TxStatus) async throws {
        let transaction = try TransactionMessage.make(
            chainID: "ait-devnet", key: try Self.key(), nonce: 1, fee: 10, payload: .transfer(to: try Self.recipient(), amount: 5))
        try await ScriptedCoordinator.with(requests: { _, _ in Self.refusal(.conflict, code, "already") }) { server in
            let answer = try await Self.client(server).send(transaction)
            let id = try transaction.transactionID()
            #expect(answer == SendTxResponse(txHash: id, status: status))
        }
    }

    @Test func aRefusedTransactionKeepsTheNodesCodeAndIsNotRetried() async throws {
        let transaction = try TransactionMessage.make(
            chainID: "ait-devnet", key: try Self.key(), nonce: 1, fee: 1, payload: .transfer(to: try Self.recipient(), amount: 5))
        try await ScriptedCoordinator.with(requests: { _, _ in Self.refusal(.badRequest, "FEE_TOO_LOW", "fee: 1 is below the required 74") }) { server in
            do {
                _ = try await Self.client(server).send(transaction)
                Issue.record("a refused transaction was returned")
            } catch let error as AITBCError {
                #expect(error.isRejection(400))
                #expect(error.code == "FEE_TOO_LOW")
                #expect(error.message == "fee: 1 is below the required 74")
            }
            #expect(server.requests.count == 1)
        }
    }

    @Test func aBatchIsPostedAsTxsAndAnsweredPerTransaction() async throws {
        let key = try Self.key()
        let first = try TransactionMessage.make(chainID: "ait-devnet", key: key, nonce: 1, fee: 10, payload: .transfer(to: try Self.recipient(), amount: 1))
        let second = try TransactionMessage.make(chainID: "ait-devnet", key: key, nonce: 2, fee: 10, payload: .transfer(to: try Self.recipient(), amount: 2))
        let answer = SendTxsResponse(results: [
            .accepted(SendTxResponse(txHash: try first.transactionID())),
            .rejected(code: "INSUFFICIENT_BALANCE", message: "balance 1 cannot cover 12", txHash: try second.transactionID()),
        ])
        try await ScriptedCoordinator.with(requests: { _, _ in Self.ok(answer) }) { server in
            let client = Self.client(server)
            let got7 = try await client.send(batch: [first, second])
            #expect(got7 == answer)
            let request = try #require(server.requests.first)
            #expect(request.path == "/rpc/sendTxs")
            let got8 = try SendTxsRequest(json: try Self.parse(request.body))
            #expect(got8 == SendTxsRequest(txs: [first, second]))
            // A batch answered with fewer results than it holds is not the node's answer to it.
            await #expect { _ = try await client.send(batch: [first, second, first]) } throws: { ($0 as? AITBCError)?.kind == .invalidResponse }
            // Empty batches are refused before anything is sent.
            await #expect { _ = try await client.send(batch: []) } throws: { ($0 as? AITBCError)?.kind == .invalidRequest }
            #expect(server.requests.count == 2)
        }
    }

    @Test func estimateFeePostsTheTypeAndPayload() async throws {
        let payload = TransactionPayload.transfer(to: try Self.recipient(), amount: 5)
        try await ScriptedCoordinator.with(requests: { _, _ in Self.ok(Self.estimate(70)) }) { server in
            let got9 = try await Self.client(server).estimateFee(for: payload)
            #expect(got9 == Self.estimate(70))
            let request = try #require(server.requests.first)
            #expect(request.path == "/rpc/estimateFee")
            let got10 = try Self.parse(request.body)
            #expect(got10 == EstimateFeeRequest(type: .transfer, payload: payload.json).json)
        }
    }

    @Test func theFaucetSendsTheAdminTokenAndIsNeverRetried() async throws {
        let address = try Self.recipient()
        let answer = FaucetResponse(address: address, amount: 500, txHash: Self.hash(2), status: .pending, balance: 0)
        try await ScriptedCoordinator.with(requests: { _, attempt in
            attempt == 1 ? ScriptedCoordinator.json(.serviceUnavailable, "{}") : Self.ok(answer)
        }) { server in
            let client = Self.client(server)
            await #expect { _ = try await client.faucet(address: address, amount: 500, adminToken: "admin-token") } throws: {
                ($0 as? AITBCError)?.status == 503
            }
            let got11 = try await client.faucet(address: address, amount: 500, adminToken: "admin-token")
            #expect(got11 == answer)
            let requests = server.requests
            #expect(requests.count == 2)
            #expect(requests.allSatisfy { $0.path == "/rpc/admin/mintFaucet" && $0.headers["Authorization"] == "Bearer admin-token" })
            let got12 = try FaucetRequest(json: try Self.parse(requests[1].body))
            #expect(got12 == FaucetRequest(address: address, amount: 500))
            await #expect { _ = try await client.faucet(address: address, amount: 0, adminToken: "t") } throws: {
                ($0 as? AITBCError)?.kind == .invalidRequest
            }
            await #expect { _ = try await client.faucet(address: address, amount: 1, adminToken: "t\r\nX-Evil: 1") } throws: {
                ($0 as? AITBCError)?.kind == .invalidRequest
            }
            #expect(server.requests.count == 2)
        }
    }

    // MARK: - signing conveniences

    @Test func transferReadsTheNonceTakesTheEstimateSignsAndSends() async throws {
        let key = try Self.key()
        let sender = Address(publicKey: key.publicKey)
        let recipient = try Self.recipient()
        try await ScriptedCoordinator.with(requests: { request, _ in
            switch request.path {
            case "/rpc/getBalance/\(sender.rawValue)": Self.ok(Self.account(sender, nextNonce: 5))
            case "/rpc/estimateFee": Self.ok(Self.estimate(74))
            case "/rpc/sendTx": Self.admitted(request.body)
            default: Self.refusal(.notFound, "NOT_FOUND", "no route")
            }
        }) { server in
            let answer = try await Self.client(server).transfer(from: key, to: recipient, amount: 1_234)
            #expect(server.requests.map(\.path) == ["/rpc/getBalance/\(sender.rawValue)", "/rpc/estimateFee", "/rpc/sendTx"])
            let sent = try Self.verified(server.requests[2].body)
            #expect(sent.id == answer.txHash)
            #expect(sent.message.sender == sender)
            #expect(sent.message.nonce == 5)
            #expect(sent.message.fee == 74)
            #expect(sent.message.chainID == "ait-devnet")
            #expect(sent.message.payload == .transfer(to: recipient, amount: 1_234))
        }
    }

    @Test func aGivenFeeIsUsedWithoutAnEstimateAndTheChainIdIsTheConfigurations() async throws {
        let key = try Self.key()
        let sender = Address(publicKey: key.publicKey)
        try await ScriptedCoordinator.with(requests: { request, _ in
            request.path.hasPrefix("/rpc/getBalance/") ? Self.ok(Self.account(sender, nextNonce: 1)) : ScriptedCoordinator.json(.ok, "{}")
        }) { server in
            var configuration = ChainConfiguration(baseURL: server.baseURL, chainID: "ait-testnet")
            configuration.connection = SleepRecorder().configure(configuration.connection)
            let client = ChainClient(configuration: configuration)
            let transaction = try await client.prepareTransaction(.transfer(to: try Self.recipient(), amount: 1), key: key, fee: 99)
            #expect(server.requests.map(\.path) == ["/rpc/getBalance/\(sender.rawValue)"])
            #expect(transaction.fee == 99)
            #expect(transaction.nonce == 1)
            let verifiedID = try VerifiedTransaction(transaction, chainID: "ait-testnet").id
            #expect(verifiedID == (try transaction.transactionID()))
            // Amounts and fees the wire cannot carry are refused, not clamped.
            await #expect { _ = try await client.prepareTransaction(.transfer(to: try Self.recipient(), amount: .max), key: key) } throws: {
                ($0 as? AITBCError)?.kind == .invalidRequest
            }
            await #expect { _ = try await client.transfer(from: key, to: try Self.recipient(), amount: 1, fee: .max) } throws: {
                ($0 as? AITBCError)?.kind == .invalidRequest
            }
        }
    }

    @Test func claimSignsAReceiptClaimWithTheReceiptVerbatim() async throws {
        let key = try Self.key()
        let sender = Address(publicKey: key.publicKey)
        let receipt: JSONValue = [
            "version": "1.0", "receipt_id": "0123456789abcdef0123456789abcdef", "units": .float(12.5),
            "signature": ["alg": "Ed25519", "key_id": "k", "sig": "s"],
        ]
        try await ScriptedCoordinator.with(requests: { request, _ in
            switch request.path {
            case "/rpc/getBalance/\(sender.rawValue)": Self.ok(Self.account(sender, nextNonce: 1))
            case "/rpc/estimateFee": Self.ok(Self.estimate(300, type: .receiptClaim))
            default: Self.admitted(request.body)
            }
        }) { server in
            let client = Self.client(server)
            let answer = try await client.claim(receipt: receipt, key: key)
            let estimate = try Self.parse(server.requests[1].body)
            #expect(estimate["type"]?.stringValue == "RECEIPT_CLAIM")
            #expect(estimate["payload"]?["receipt"] == receipt)
            let sent = try Self.verified(server.requests[2].body)
            #expect(sent.id == answer.txHash)
            #expect(sent.message.type == .receiptClaim)
            #expect(sent.message.payload == .receiptClaim(receipt: receipt))
            #expect(sent.message.fee == 300)
            await #expect { _ = try await client.claim(receipt: "not an object", key: key) } throws: { ($0 as? AITBCError)?.kind == .invalidRequest }
            #expect(server.requests.count == 3)
        }
    }

    // MARK: - waiting

    @Test func waitForInclusionPollsThroughNotFoundAndPendingUntilIncluded() async throws {
        let recorder = SleepRecorder()
        let key = try Self.key()
        @Sendable func view(_ status: TxStatus) -> TxView {
            TxView(
                txHash: Self.hash(1), status: status, blockHeight: status == .included ? 9 : nil, type: .transfer,
                sender: Address(publicKey: key.publicKey), recipient: "", nonce: 1, fee: 10, payload: [:],
                createdAt: status == .included ? Self.time : nil)
        }
        try await ScriptedCoordinator.with(requests: { _, attempt in
            switch attempt {
            case 1: Self.refusal(.notFound, "TX_NOT_FOUND", "unknown")
            case 2, 3: Self.ok(view(.pending))
            default: Self.ok(view(.included))
            }
        }) { server in
            let included = try await Self.client(server, recorder).waitForInclusion(
                Self.hash(1), timeout: .seconds(600), pollInterval: .milliseconds(100) ... .milliseconds(300))
            #expect(included == view(.included))
            #expect(server.requests.count == 4)
            #expect(server.requests.allSatisfy { $0.path == "/rpc/tx/\(Self.hash(1).rawValue)" })
            // Doubling from the lower bound, capped at the upper one.
            #expect(recorder.all == [.milliseconds(100), .milliseconds(200), .milliseconds(300)])
        }
    }

    @Test func waitForInclusionTimesOutNamingTheLastStatus() async throws {
        try await ScriptedCoordinator.with(requests: { _, _ in Self.refusal(.notFound, "TX_NOT_FOUND", "unknown") }) { server in
            do {
                _ = try await Self.client(server).waitForInclusion(Self.hash(1), timeout: .zero)
                Issue.record("an unknown transaction was reported included")
            } catch let error as AITBCError {
                #expect(error.kind == .timedOut)
                #expect(error.message.contains(Self.hash(1).rawValue))
                #expect(error.message.contains("not found"))
            }
        }
    }

    @Test func waitForInclusionStopsAtOtherErrors() async throws {
        try await ScriptedCoordinator.with(requests: { _, _ in Self.refusal(.badRequest, "BAD_HASH", "no") }) { server in
            await #expect { _ = try await Self.client(server).waitForInclusion(Self.hash(1), timeout: .seconds(600)) } throws: {
                ($0 as? AITBCError)?.isRejection(400) == true
            }
            #expect(server.requests.count == 1)
        }
    }
}
