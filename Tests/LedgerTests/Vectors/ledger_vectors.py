#!/usr/bin/env python3
"""Independent computation of Tests/LedgerTests/Vectors/ledger_vectors.json.

Written from the byte layouts in the chain design (hashlib SHA-256, `cryptography`'s Ed25519,
BIP-173 bech32, json.dumps for canonical JSON), without the Swift code. Run once when the
vectors were written: `python3 ledger_vectors.py > ledger_vectors.json`.
"""
import hashlib
import json
import struct

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"


def polymod(values):
    gen = [0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3]
    chk = 1
    for v in values:
        top = chk >> 25
        chk = (chk & 0x1FFFFFF) << 5 ^ v
        for i in range(5):
            chk ^= gen[i] if ((top >> i) & 1) else 0
    return chk


def bech32(hrp, data8):
    acc, bits, data = 0, 0, []
    for b in data8:
        acc = (acc << 8) | b
        bits += 8
        while bits >= 5:
            bits -= 5
            data.append((acc >> bits) & 31)
    if bits:
        data.append((acc << (5 - bits)) & 31)
    expanded = [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]
    pm = polymod(expanded + data + [0] * 6) ^ 1
    checksum = [(pm >> 5 * (5 - i)) & 31 for i in range(6)]
    return hrp + "1" + "".join(CHARSET[d] for d in data + checksum)


def sha(b):
    return hashlib.sha256(b).digest()


def key(seed_hex):
    k = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(seed_hex))
    return k, k.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def address(pub):
    return bech32("ait", sha(pub)[:20])


def canonical(obj):
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def leaf(data):
    return sha(b"\x00" + data)


def node(l, r):
    return sha(b"\x01" + l + r)


def merkle(hashes):
    if not hashes:
        return bytes(32)
    level = list(hashes)
    while len(level) > 1:
        nxt = [node(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            nxt.append(level[-1])
        level = nxt
    return level[0]


def state_root(accounts):
    """accounts: [(pubkey-hash-20, balance, nonce)]; 65,536 buckets by the first two bytes."""
    buckets = {}
    for kh, bal, non in sorted(accounts):
        buckets.setdefault(int.from_bytes(kh[:2], "big"), []).append(leaf(kh + struct.pack(">QQ", bal, non)))
    return merkle([merkle(buckets[i]) if i in buckets else bytes(32) for i in range(65536)])


def header(chain, height, parent, time_ms, proposer, tx_root, state, receipts):
    c = chain.encode()
    return b"AITBC-BLOCK\x01" + struct.pack(">H", len(c)) + c + struct.pack(">Q", height) + parent + \
        struct.pack(">Q", time_ms) + proposer + tx_root + state + receipts


ALICE = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"  # RFC 8032 §7.1 test 1
BOB = "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb"  # test 2
PROPOSER = "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7"  # test 3
COORDINATOR = "11" * 32

alice, alice_pub = key(ALICE)
_, bob_pub = key(BOB)
proposer, proposer_pub = key(PROPOSER)
_, coordinator_pub = key(COORDINATOR)

# A transfer: id over the canonical unsigned body, sig = Ed25519 over the 32 id bytes.
payload = {"to": address(bob_pub), "amount": 12345}
body = {"type": "TRANSFER", "chain_id": "ait-devnet", "sender": address(alice_pub), "public_key": alice_pub.hex(),
        "nonce": 1, "fee": 90, "payload": payload}
tx_id = sha(canonical(body))
tx_sig = alice.sign(tx_id)

# A header at a height whose eight bytes all differ (big-endian is visible).
head = header("ait-devnet", 0x0102030405060708, bytes([0x11]) * 32, 1727400014000, proposer_pub,
              merkle([leaf(tx_id)]), bytes([0x33]) * 32, bytes(32))

# A genesis document and its block 0.
genesis = {
    "accounts": [{"address": address(alice_pub), "balance": 1000000000, "nonce": 0},
                 {"address": address(bob_pub), "balance": 5, "nonce": 2}],
    "authorities": [{"address": address(proposer_pub), "public_key": proposer_pub.hex(), "weight": 1}],
    "chain_id": "ait-devnet",
    "coordinator_keys": [coordinator_pub.hex()],
    "params": {"base_fee": 10, "block_time_ms": 2000, "coordinator_ratio": 0.05, "fee_per_byte": 1,
               "max_block_bytes": 4194304, "max_block_txs": 5000, "mint_per_unit": 1000},
    "timestamp": 1727400000,
}
document_hash = sha(canonical(genesis))
genesis_state = state_root([(sha(alice_pub)[:20], 1000000000, 0), (sha(bob_pub)[:20], 5, 2)])
block0 = header("ait-devnet", 0, bytes(32), 1727400000 * 1000, bytes(32), document_hash, genesis_state, bytes(32))

print(json.dumps({
    "keys": {"alice_seed": ALICE, "bob_seed": BOB, "proposer_seed": PROPOSER, "coordinator_seed": COORDINATOR,
             "alice_public_key": alice_pub.hex(), "alice_address": address(alice_pub), "bob_address": address(bob_pub),
             "proposer_address": address(proposer_pub)},
    "transaction": {"canonical_body": canonical(body).decode(), "payload_bytes": len(canonical(payload)),
                    "id": "0x" + tx_id.hex(), "sig": tx_sig.hex()},
    "header": {"encoded": head.hex(), "hash": sha(head).hex(), "signature": proposer.sign(sha(head)).hex()},
    "genesis": {"canonical": canonical(genesis).decode(), "document_hash": document_hash.hex(),
                "state_root": genesis_state.hex(), "header_encoded": block0.hex(), "header_hash": sha(block0).hex()},
    "empty_state_root": state_root([]).hex(),
}, indent=2, sort_keys=True))
