// swift-tools-version: 6.1
import PackageDescription

/// One settings array for every target: Swift 6 mode plus the upcoming features STYLE.md asks for.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "aitbc",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "aitbc", targets: ["aitbc"]),
        .executable(name: "aitbc-coordinator", targets: ["aitbc-coordinator"]),
        .executable(name: "aitbc-miner", targets: ["aitbc-miner"]),
        .executable(name: "aitbc-chain-node", targets: ["aitbc-chain-node"]),
        .executable(name: "aitbc-wallet-daemon", targets: ["aitbc-wallet-daemon"]),
        // The networking core alone (no Foundation): what a lean server links.
        .library(name: "AITBCHTTP", targets: ["Sockets", "HTTP1", "HTTPServer", "WebSocket", "JSON"]),
        // Libraries for the separate Benchmarks/ package (and future out-of-tree tools).
        .library(name: "AITBCCore", targets: [
            "Sockets", "HTTP1", "HTTPServer", "HTTPClient", "WebSocket", "SQLite", "Cryptography", "JSON", "Receipts",
            "ServiceRuntime", "TerminalText",
        ]),
        // The coordinator's domain library and its wire types, for in-process benchmarks (Benchmarks/ClaimBench).
        .library(name: "AITBCCoordinator", targets: ["Coordinator", "WireModels"]),
        // The chain node's domain library and the ledger rules, for in-process benchmarks (Benchmarks/ChainBench).
        .library(name: "AITBCChain", targets: ["ChainNode", "Ledger", "WireModels"]),
        // The Swift SDK: typed clients of the coordinator's client, miner and admin APIs and of the chain node (docs/sdk.md).
        .library(name: "AITBCClient", targets: ["AITBCClient"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        // MARK: C libraries (pkg-config name and Debian provider in one place each)
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CSodium", pkgConfig: "libsodium", providers: [.apt(["libsodium-dev"])]),
        .systemLibrary(name: "CArgon2", pkgConfig: "libargon2", providers: [.apt(["libargon2-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .target(name: "CLinuxShims"),

        // MARK: networking core
        .target(name: "Sockets", dependencies: ["CLinuxShims"], swiftSettings: swiftSettings),
        .target(name: "HTTP1", swiftSettings: swiftSettings),
        .target(name: "WebSocket", dependencies: ["CZlib"], swiftSettings: swiftSettings),
        .target(
            name: "HTTPServer",
            dependencies: ["Sockets", "HTTP1", "WebSocket", "JSON", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings),
        .target(name: "HTTPClient", dependencies: ["Sockets", "HTTP1", "WebSocket", "JSON"], swiftSettings: swiftSettings),

        // MARK: storage, crypto, receipts
        // The column-decoding error both SQL modules throw.
        .target(name: "RowDecoding", swiftSettings: swiftSettings),
        .target(name: "SQLite", dependencies: ["CSQLite", "RowDecoding"], swiftSettings: swiftSettings),
        // PostgreSQL over libpq for the scaled-out coordinator and pool hub (docs/postgresql.md).
        .target(name: "PostgreSQL", dependencies: ["CLibPQ", "RowDecoding"], swiftSettings: swiftSettings),
        .target(name: "Cryptography", dependencies: ["CSodium", "CArgon2"], swiftSettings: swiftSettings),
        .target(name: "JSON", swiftSettings: swiftSettings),
        .target(name: "Receipts", dependencies: ["Cryptography", "JSON"], swiftSettings: swiftSettings),
        .target(name: "WireModels", dependencies: ["JSON", "Cryptography"], swiftSettings: swiftSettings),
        // The ledger's shared rules: transaction ids and signatures, block headers, Merkle and
        // state roots, genesis, receipt claims and the state machine (node, SDK, CLI, miner).
        .target(name: "Ledger", dependencies: ["Cryptography", "JSON", "Receipts", "WireModels"], swiftSettings: swiftSettings),
        // Echoing untrusted text safely on terminals and in logs; no dependencies, so the SDK can use it.
        .target(name: "TerminalText", swiftSettings: swiftSettings),

        // MARK: the Swift SDK
        .target(
            name: "AITBCClient",
            dependencies: ["HTTPClient", "HTTP1", "WebSocket", "JSON", "WireModels", "Receipts", "Cryptography", "TerminalText", "Ledger"],
            swiftSettings: swiftSettings),
        // docs/sdk.md's examples, compiled so the page cannot drift from the API.
        .executableTarget(
            name: "aitbc-sdk-examples", dependencies: ["AITBCClient", "Receipts", "Cryptography", "JSON", "WireModels"],
            swiftSettings: swiftSettings),

        // MARK: runtime shared by every daemon
        .target(
            name: "ServiceRuntime",
            dependencies: [
                "HTTPServer", "HTTP1", "JSON", "CLinuxShims", "Cryptography", "Sockets",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: swiftSettings),

        // MARK: command-line tool
        .target(
            name: "AITBCCLI",
            dependencies: [
                "Cryptography", "Receipts", "JSON", "HTTP1", "HTTPClient", "ServiceRuntime", "AITBCClient", "WireModels", "TerminalText",
                "Ledger", "WalletCore", .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings),
        .executableTarget(
            name: "aitbc",
            dependencies: ["AITBCCLI", .product(name: "ArgumentParser", package: "swift-argument-parser")], swiftSettings: swiftSettings),

        // MARK: services
        .target(
            name: "Coordinator",
            dependencies: [
                "HTTPServer", "HTTP1", "HTTPClient", "WebSocket", "SQLite", "Cryptography", "Receipts", "JSON", "WireModels",
                "ServiceRuntime", "TerminalText",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings),
        .target(
            name: "ChainNode",
            dependencies: [
                "HTTPServer", "HTTP1", "SQLite", "Cryptography", "Receipts", "JSON", "WireModels", "Ledger", "ServiceRuntime", "Sockets",
                "CLinuxShims", "WebSocket", "HTTPClient",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings),
        .executableTarget(
            name: "aitbc-chain-node",
            dependencies: ["ChainNode", "Ledger", "ServiceRuntime", "Sockets", "SQLite", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: swiftSettings),
        .executableTarget(
            name: "aitbc-coordinator",
            dependencies: ["Coordinator", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: swiftSettings),
        // The wallet's keys: BIP-39, SLIP-10, the encrypted keystore format and its directory (spec/wallet-daemon.md §4–§6).
        .target(name: "WalletCore", dependencies: ["Cryptography", "JSON", "CSodium"], swiftSettings: swiftSettings),
        .target(
            name: "Wallet",
            dependencies: [
                "WalletCore", "HTTPServer", "HTTP1", "HTTPClient", "SQLite", "Cryptography", "Receipts", "JSON", "WireModels",
                "ServiceRuntime", "AITBCClient", "Ledger",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings),
        .executableTarget(
            name: "aitbc-wallet-daemon",
            dependencies: [
                "Wallet", "WalletCore", "ServiceRuntime", "Sockets", "SQLite", .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings),
        .target(
            name: "Miner",
            dependencies: [
                "ServiceRuntime", "HTTPServer", "HTTP1", "HTTPClient", "JSON", "Cryptography", "Receipts", "CLinuxShims",
                "WireModels", "AITBCClient", "TerminalText", "Ledger",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings),
        // The pool hub's pure core: miner records, filters, scorers, top-K and the in-memory
        // index matching reads (spec/pool-hub.md §5–§7); no HTTP, no storage.
        .target(name: "PoolHub", dependencies: ["JSON"], swiftSettings: swiftSettings),
        .executableTarget(
            name: "aitbc-miner",
            dependencies: ["Miner", "ServiceRuntime", "CLinuxShims", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: swiftSettings),

        .target(
            name: "TestSupport",
            dependencies: ["Sockets", "HTTP1", "HTTPServer", "WebSocket", "ServiceRuntime", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings),
        // A chain node in the test process, for the suites of the services that use one.
        .target(
            name: "ChainNodeTestSupport",
            dependencies: [
                "ChainNode", "AITBCClient", "Ledger", "Cryptography", "WireModels", "TestSupport", .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings),

        // MARK: tests
        .testTarget(name: "CLibrariesTests", dependencies: ["CSQLite", "CSodium", "CArgon2", "CZlib"], swiftSettings: swiftSettings),
        .testTarget(name: "SocketsTests", dependencies: ["Sockets", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "HTTP1Tests", dependencies: ["HTTP1", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "HTTPServerTests", dependencies: ["HTTPServer", "JSON", "TestSupport", "ServiceRuntime"], swiftSettings: swiftSettings),
        .testTarget(name: "HTTPClientTests", dependencies: ["HTTPClient", "HTTPServer", "JSON", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "WebSocketTests", dependencies: ["WebSocket", "HTTPServer", "HTTPClient", "TestSupport", "ServiceRuntime"], swiftSettings: swiftSettings),
        // Runs against AITBC_TEST_POSTGRES_URL, or a server it starts with scripts/postgres-test-server.sh.
        .testTarget(name: "PostgreSQLTests", dependencies: ["PostgreSQL", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "SQLiteTests", dependencies: ["SQLite", "TestSupport", "ServiceRuntime"], swiftSettings: swiftSettings),
        // Child process SQLiteTests SIGKILLs mid-transaction (crash-safety test); never shipped.
        .executableTarget(
            name: "sqlite-crash-child", dependencies: ["SQLite"], path: "Tests/SQLiteCrashChild",
            swiftSettings: swiftSettings),
        // Child process ExecutionSubreaperTests runs the orphan attack in (a subreaper changes
        // the whole process, never the shared test process); never shipped.
        .executableTarget(
            name: "miner-orphan-child",
            dependencies: ["Miner", "ServiceRuntime", "JSON", "TestSupport", "WireModels", .product(name: "Logging", package: "swift-log")],
            path: "Tests/MinerOrphanChild", swiftSettings: swiftSettings),
        .testTarget(
            name: "CryptographyTests", dependencies: ["Cryptography", "TestSupport"], resources: [.copy("Vectors")],
            swiftSettings: swiftSettings),
        .testTarget(name: "TerminalTextTests", dependencies: ["TerminalText"], swiftSettings: swiftSettings),
        .testTarget(name: "JSONTests", dependencies: ["JSON"], swiftSettings: swiftSettings),
        .testTarget(name: "PoolHubTests", dependencies: ["PoolHub", "JSON", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(
            name: "ChainNodeTests",
            dependencies: ["ChainNode", "Ledger", "WireModels", "Receipts", "Cryptography", "JSON", "SQLite", "TestSupport", "HTTPClient",
                "HTTP1", "ServiceRuntime", "WebSocket", "Sockets", "AITBCClient", "ChainNodeTestSupport", .product(name: "Logging", package: "swift-log"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                // MetricNamesTests: a live coordinator's /metrics, and the Prometheus rule files.
                "Coordinator", .product(name: "Yams", package: "Yams")],
            swiftSettings: swiftSettings),
        .testTarget(name: "WireModelsTests", dependencies: ["WireModels", "JSON"], swiftSettings: swiftSettings),
        // The ledger's rules: vectors, transactions, Merkle and state roots, genesis, claims, execution.
        .testTarget(
            name: "LedgerTests", dependencies: ["Ledger", "WireModels", "Receipts", "Cryptography", "JSON", "TestSupport"],
            resources: [.copy("Vectors")], swiftSettings: swiftSettings),
        .testTarget(
            name: "ReceiptsTests", dependencies: ["Receipts", "Cryptography", "JSON"], resources: [.copy("Vectors")],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "ServiceRuntimeTests",
            dependencies: [
                "ServiceRuntime", "HTTPServer", "HTTP1", "TestSupport",
                .product(name: "Metrics", package: "swift-metrics"),
            ], swiftSettings: swiftSettings),
        // Documentation checks (issue 12): doc links point at files in the repository.
        .testTarget(name: "DocumentationTests", dependencies: ["TestSupport", "ServiceRuntime"], swiftSettings: swiftSettings),
        .testTarget(
            name: "CoordinatorTests",
            dependencies: [
                "Coordinator", "SQLite", "JSON", "Receipts", "Cryptography", "TestSupport", "HTTPClient", "WebSocket",
                "ServiceRuntime", "WireModels",
            ],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "MinerTests",
            dependencies: [
                "Miner", "JSON", "HTTPServer", "HTTP1", "HTTPClient", "Cryptography", "Receipts", "ServiceRuntime", "TestSupport",
                "WireModels", "AITBCClient", "ChainNode", "ChainNodeTestSupport", "Ledger", .product(name: "Logging", package: "swift-log"),
            ],
            resources: [.copy("Fixtures")], swiftSettings: swiftSettings),
        .testTarget(
            name: "AITBCClientTests",
            dependencies: [
                "AITBCClient", "Coordinator", "HTTPServer", "HTTP1", "HTTPClient", "JSON", "Receipts", "Cryptography", "WireModels",
                "ServiceRuntime", "TestSupport", "Ledger", .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "AITBCCLITests",
            dependencies: [
                "AITBCCLI", "Receipts", "Cryptography", "ServiceRuntime", "TestSupport", "Sockets", "JSON", "AITBCClient", "WireModels",
                "TerminalText", "Ledger", "HTTPServer", "HTTP1", "WalletCore",
            ],
            swiftSettings: swiftSettings),
            .testTarget(
            name: "WalletCoreTests", dependencies: ["WalletCore", "Cryptography", "JSON", "TestSupport", "ServiceRuntime"],
            resources: [.copy("Vectors")], swiftSettings: swiftSettings),
        // Child process KeystoreCrashTests kills between a keystore write and its rename; never shipped.
        .executableTarget(
            name: "keystore-crash-child", dependencies: ["WalletCore"], path: "Tests/KeystoreCrashChild",
            swiftSettings: swiftSettings),
        .testTarget(
            name: "WalletTests",
            dependencies: [
                "Wallet", "WalletCore", "WireModels", "AITBCClient", "AITBCCLI", "ChainNode", "Ledger", "Receipts", "Cryptography", "JSON",
                "SQLite", "HTTPServer", "HTTP1", "HTTPClient", "ServiceRuntime", "TestSupport", "ChainNodeTestSupport",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings),
    ]
)
