// swift-tools-version: 6.2
// Benchmarks live in their own package so CI never builds the peers (Hummingbird, package-benchmark).
// Build and run with scripts/bench-http.sh; results go to docs/benchmarks.md.
import PackageDescription

let package = Package(
    name: "aitbc-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: "../"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", exact: "2.28.1"),
    ],
    targets: [
        // The peer we measure against: same two routes on Hummingbird 2.
        .executableTarget(
            name: "HummingbirdPeer",
            dependencies: [.product(name: "Hummingbird", package: "hummingbird")]),
    ]
)
