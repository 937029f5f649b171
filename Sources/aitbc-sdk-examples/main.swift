import Foundation

// docs/sdk.md's examples, one per API, compiled by `swift build` so the page cannot drift
// from the SDK. The page shows each `// example: NAME` … `// end example` region verbatim
// (Tests/DocumentationTests/SDKDocumentationTests.swift checks it).
//
//   swift run aitbc-sdk-examples client|miner|admin|verify|chain
//
// AITBC_URL (default http://127.0.0.1:8011), AITBC_API_KEY (the role's key) and, for verify,
// AITBC_COORDINATOR_KEY (the coordinator's public key, 64 hex) configure them; chain reads
// AITBC_CHAIN_URL (default http://127.0.0.1:8080) and AITBC_CHAIN_SEED (the sender's
// private key, 64 hex) and takes the recipient and amount as arguments.

let arguments = CommandLine.arguments.dropFirst()
let environment = ProcessInfo.processInfo.environment
let url = environment["AITBC_URL"] ?? "http://127.0.0.1:8011"
let key = environment["AITBC_API_KEY"] ?? ""

do {
    switch arguments.first {
    case "client": try await clientExample(url: url, key: key)
    case "miner": try await minerExample(url: url, key: key)
    case "admin": try await adminExample(url: url, key: key)
    case "verify":
        try await verifyExample(
            url: url, key: key, jobID: arguments.dropFirst().first ?? "", pinnedKeyHex: environment["AITBC_COORDINATOR_KEY"] ?? "")
    case "chain":
        let rest = Array(arguments.dropFirst())
        guard rest.count == 2, let amount = UInt64(rest[1]) else {
            FileHandle.standardError.write(Data("usage: aitbc-sdk-examples chain ADDRESS AMOUNT\n".utf8))
            exit(2)
        }
        try await chainExample(
            url: environment["AITBC_CHAIN_URL"] ?? "http://127.0.0.1:8080", seedHex: environment["AITBC_CHAIN_SEED"] ?? "", to: rest[0],
            amount: amount)
    default:
        FileHandle.standardError.write(Data("usage: aitbc-sdk-examples client|miner|admin|verify JOB_ID|chain ADDRESS AMOUNT\n".utf8))
        exit(2)
    }
} catch {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    exit(1)
}
