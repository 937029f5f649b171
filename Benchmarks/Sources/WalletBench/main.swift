import BenchSupport
import Foundation

// Wallet daemon benchmarks (issue 15 "Numbers to reach"), run by scripts/bench-wallet.sh.
// Each mode starts its own release aitbc-wallet-daemon (--daemon-bin) on a free 127.0.0.1 port
// with a fresh keystore and ledger under --dir, and stops it by pid.
//
//   WalletBench unlock --daemon-bin B --baseline-bin C --dir D [--rounds 20] [--wallets 4]
//                      [--argon-time 3] [--argon-memory-mb 64] [--argon-parallelism 2]
//       target 1: POST /v1/wallets/{id}/unlock against raw argon2id_hash_raw, interleaved
//   WalletBench sign --daemon-bin B --baseline-bin C --dir D [--connections 64] [--wallets 8]
//                    [--requests 100000] [--rounds 3] [--warmup 2000] [--message-bytes 32]
//                    [--sample 50] [--raw-iterations 40000] [--client lean|sdk]
//       target 2: signatures/s without password on unlocked wallets, and the ratio to raw
//       crypto_sign_detached on every core between the rounds; --client sdk drives the load through
//       the repository's HTTPClient instead of LeanLoad (one poll(2) thread)
//   WalletBench memory --daemon-bin B --dir D [--wallets 16] [--max-unlocks 2]
//                      [--argon-memory-mb 64] [--sign-requests 20000] [--settle-ms 1000]
//       target 3: VmRSS after start, after creating wallets, during and after unlock bursts,
//       after a sign load, after locking, against 20 MB + the running unlocks' Argon2 memory
// C is CBaselineWallet (Benchmarks/Sources/CBaselineWallet).

let arguments = Array(CommandLine.arguments.dropFirst())
let options = Options(values: Array(arguments.dropFirst()))
switch arguments.first {
case "unlock": await UnlockBench.run(options)
case "sign": await SignBench(options).run()
case "memory": await MemoryBench.run(options)
default:
    Bench.fail("usage: WalletBench unlock|sign|memory [options] (see main.swift)")
}
