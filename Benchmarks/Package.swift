// swift-tools-version: 6.2
// Benchmarks live in their own package so CI never builds the peers (Hummingbird, package-benchmark).
// Build and run with scripts/bench-http.sh (HTTP), scripts/bench-core.sh (crypto, JSON, SQLite)
// scripts/bench-coordinator.sh (coordinator job lifecycle), scripts/bench-chain.sh (chain node) and
// scripts/bench-wallet.sh (wallet daemon);
// results go to docs/benchmarks.md.
import Foundation
import PackageDescription

/// SwiftPM derives a path dependency's identity from its directory name (lowercased): "main" in
/// the main checkout, "wt-perf" in a worktree of that name. Naming it from this manifest's own
/// location lets the bench scripts run from any checkout without a local edit.
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .standardizedFileURL.lastPathComponent.lowercased()

let package = Package(
    name: "aitbc-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: "../"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", exact: "2.28.1"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        // The peer we measure against: same two routes on Hummingbird 2.
        .executableTarget(
            name: "HummingbirdPeer",
            dependencies: [.product(name: "Hummingbird", package: "hummingbird")]),
        // Our server with the same routes (scripts/bench-http.sh).
        .executableTarget(
            name: "AITBCPeer",
            dependencies: [.product(name: "AITBCHTTP", package: root), .product(name: "Logging", package: "swift-log")]),
        // WebSocket fan-out client: 1 publisher -> N subscribers against AITBCPeer.
        .executableTarget(name: "WSFanoutBench", dependencies: [.product(name: "AITBCCore", package: root)]),
        // Coordinator lifecycle over keep-alive HTTP (scripts/bench-coordinator.sh): submit, poll,
        // result, result/receipt reads with signature checks; fails on lost or duplicated jobs.
        .executableTarget(name: "LifecycleBench", dependencies: [.product(name: "AITBCCore", package: root)]),
        // Core micro-benchmarks (scripts/bench-core.sh): Ed25519, canonical JSON, SQLite commits
        // through our wrappers, and the raw C loops they are compared against.
        .executableTarget(
            name: "CoreBench",
            dependencies: [.product(name: "AITBCCore", package: root)]),
        // Claim latency with many queued jobs the polling miner cannot run (scripts/bench-claim.sh,
        // issue 10): in-process CoordinatorStore on a SQLite file, loaded vs empty queue interleaved.
        .executableTarget(
            name: "ClaimBench",
            dependencies: [.product(name: "AITBCCoordinator", package: root), .product(name: "AITBCCore", package: root)]),
        // Chain node (issue 13, scripts/bench-chain.sh): signed transfers over keep-alive HTTP
        // against a live aitbc-chain-node (admitted/s, included/s, block intervals), getBalance
        // latency, and in-process block production with 10k vs 1M accounts.
        .executableTarget(
            name: "ChainBench",
            dependencies: ["BenchSupport", .product(name: "AITBCChain", package: root), .product(name: "AITBCCore", package: root)]),
        // Wallet daemon (issue 15, scripts/bench-wallet.sh): unlock against raw libargon2, signatures/s
        // over 64 keep-alive connections against raw libsodium, RSS of the release daemon, all
        // against a live aitbc-wallet-daemon it starts and stops by pid.
        .executableTarget(
            name: "WalletBench",
            dependencies: ["BenchSupport", .product(name: "AITBCCore", package: root), .product(name: "AITBCChain", package: root)]),
        // What ChainBench and WalletBench share: the /metrics scrape.
        .target(name: "BenchSupport", dependencies: [.product(name: "AITBCCore", package: root)]),
        // Error-body rendering (issue 11): `HTTPError.body` against the renderers it replaced.
        .executableTarget(name: "ErrorBodyBench", dependencies: [.product(name: "AITBCHTTP", package: root)]),
        .executableTarget(name: "CBaselineSodium", linkerSettings: [.linkedLibrary("sodium")]),
        .executableTarget(name: "CBaselineSQLite", linkerSettings: [.linkedLibrary("sqlite3")]),
        // WalletBench's baselines: argon2id_hash_raw as a co-process, crypto_sign_detached on every core.
        .executableTarget(
            name: "CBaselineWallet", linkerSettings: [.linkedLibrary("sodium"), .linkedLibrary("argon2"), .linkedLibrary("pthread")]),
    ]
)
