import BenchSupport
import Foundation

// Chain node benchmarks (issue 13 "Numbers to reach"), run by scripts/bench-chain.sh:
//
//   ChainBench setup --dir D [--senders 2000] [--block-ms 1000] [--max-block-txs 20000] [--fillers N]
//       genesis.json (funded senders, deterministic keys), authority.json (0600) and, with
//       --fillers, chain.db holding N more accounts (see Setup.buildDatabase)
//   ChainBench load --port P --dir D [--txs 200000] [--batch 1000] [--connections 2] [--rate R] [--pid NODE_PID]
//       targets 1 and 2: signed transfers over keep-alive POST /rpc/sendTxs, admitted/s,
//       included/s, per-block figures, Ed25519 verify rate of this machine in the same process
//   ChainBench state [--dir D] [--sizes 10000,1000000] [--rounds 30] [--txs 100]
//       target 3 in process: produceBlock and state-root time with 10k vs 1M accounts
//   ChainBench balances --port P [--fillers 1000000] [--requests 50000] [--connections 4] [--pid NODE_PID]
//       target 3 over HTTP: getBalance latency on the 1M-account node
//   ChainBench splits [--senders 2000] [--batches 20]
//       where the sendTxs and produceBlock CPU goes, stage by stage, in process
//   ChainBench sync [--blocks 1000] [--txs 100] [--empty 20000] [--batch 256]
//       issue 14's late-joiner target in process: blocks-range → JSON → importBlocks, full
//       verification, blocks/s and the ratio to the Ed25519 rate on every core
//   ChainBench subscribers --port P [--subscribers 1000] [--seconds 30] [--pid NODE_PID]
//       issue 14's WebSocket target: delivery latency of /rpc/ws/blocks frames to N sockets
//   ChainBench net --node-bin B [--nodes 3] [--topology star|line] [--rate 2000] [--seconds 30]
//                  [--to followers|authority] [--senders 2000] [--batch 200] [--connections C]
//                  [--set NAME=VALUE]… [--dir D] [--keep] [--timeout S]
//       issue 14 with real processes: convergence, block propagation per follower,
//       back-pressure drops and node CPU (NetBench)
//   ChainBench netsync --node-bin B [--blocks 1000] [--txs 100] [--empty 20000] [--dir D]
//       issue 14's late joiner over P2P: a fresh node syncing from an authority process
//   ChainBench verify-rate
//       the yardstick alone

let arguments = Array(CommandLine.arguments.dropFirst())
let options = Options(values: Array(arguments.dropFirst()))
switch arguments.first {
case "setup": await Setup.run(options)
case "load": await LoadBench(options).run()
case "state": await StateBench.run(options)
case "balances": await BalanceBench.run(options)
case "splits": await SplitsBench.run(options)
case "sync": await SyncBench.run(options)
case "subscribers": await SubscriberBench(options).run()
case "net": await NetBench(options).run()
case "netsync": await NetSyncBench.run(options)
case "verify-rate":
    let rate = Stats.verifyRate()
    print("Ed25519 verify, one core: \(Stats.grouped(rate.perCPUSecond)) per CPU-second, \(Stats.grouped(rate.wallClock)) per wall-clock second")
    print("Ed25519 verify, every core at once: \(Stats.grouped(Stats.verifyRateAllCores())) per CPU-second of each")
default:
    Bench.fail("usage: ChainBench setup|load|state|balances|splits|sync|subscribers|net|netsync|verify-rate [options] (see main.swift)")
}
