import Cryptography
public import JSON
import WireModels

extension CoordinatorConfiguration {
    /// The body of `GET /v1/keys`: the public halves of the receipt keys, so a verifier need not
    /// be handed them out of band. A contract the `aitbc` CLI codes against:
    /// `{"keys":[{"key_id","public_key_hex","alg":"Ed25519","use"}…]}` with `use`
    /// `receipt-signing` for `RECEIPT_SIGNING_KEY_HEX` and `receipt-attestation` for
    /// `RECEIPT_ATTESTATION_KEY_HEX`; `{"keys":[]}` when signing is off. `key_id` is the one
    /// receipt signatures carry (unpadded base64url of the raw key, 43 characters).
    public var publishedKeysJSON: JSONValue {
        var keys: [JSONValue] = []
        // Without a signing key no receipt exists, so an attestation key alone signs nothing.
        let published = signingKey == nil ? [] : [(signingKey, "receipt-signing"), (attestationKey, "receipt-attestation")]
        for case (let key?, let use) in published {
            keys.append(
                .members([
                    ("key_id", .string(key.publicKey.keyID)), ("public_key_hex", .string(key.publicKey.hex)),
                    ("alg", "Ed25519"), ("use", .string(use)),
                ]))
        }
        return .members([("keys", .array(keys))])
    }
}
