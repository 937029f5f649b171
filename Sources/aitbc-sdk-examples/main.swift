import Foundation

// docs/sdk.md's examples, one per API, compiled by `swift build` so the page cannot drift
// from the SDK. The page shows each `// example: NAME` … `// end example` region verbatim
// (Tests/DocumentationTests/SDKDocumentationTests.swift checks it).
//
//   swift run aitbc-sdk-examples client|miner|admin|verify
//
// AITBC_URL (default http://127.0.0.1:8011), AITBC_API_KEY (the role's key) and, for verify,
// AITBC_COORDINATOR_KEY (the coordinator's public key, 64 hex) configure them.

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
    default:
        FileHandle.standardError.write(Data("usage: aitbc-sdk-examples client|miner|admin|verify JOB_ID\n".utf8))
        exit(2)
    }
} catch {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    exit(1)
}
