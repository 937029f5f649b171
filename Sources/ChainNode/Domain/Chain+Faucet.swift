public import Cryptography
import Ledger
public import WireModels

/// The devnet faucet (spec §8 `mintFaucet`): a TRANSFER from a funded genesis account whose key
/// the node holds. It mints nothing, so total supply stays genesis + receipt mints; calls are
/// serialized so two requests never race for one nonce.
public actor Faucet {
    let chain: Chain
    let key: Ed25519.PrivateKey

    /// A faucet paying from `key`'s account.
    public init(chain: Chain, key: Ed25519.PrivateKey) {
        self.chain = chain
        self.key = key
    }

    /// Queues a transfer of `amount` to `address`.
    /// - Throws: `ChainError` (the faucet account's balance, a full mempool).
    public func send(_ request: FaucetRequest) async throws(ChainError) -> FaucetResponse {
        let faucet = Address(publicKey: key.publicKey)
        let before = try await chain.account(request.address)
        let account = try await chain.account(faucet)
        let payload = TransactionPayload.transfer(to: request.address, amount: request.amount)
        let fee = FeeRule.estimate(payload: payload.json, parameters: chain.parameters)?.fee ?? chain.parameters.baseFee
        let message: TransactionMessage
        do {
            message = try TransactionMessage.make(chainID: chain.genesis.chainID, key: key, nonce: account.nextNonce, fee: fee, payload: payload)
        } catch {
            throw .rejected(error)
        }
        let response = try await chain.submit(message)
        return FaucetResponse(address: request.address, amount: request.amount, txHash: response.txHash, status: response.status, balance: before.balance)
    }
}
