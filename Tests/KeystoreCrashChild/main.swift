// Rewrites a keystore file through WalletCore until it is killed. WalletCoreTests starts it,
// SIGKILLs it and checks what the directory holds afterwards.
//
// Usage: keystore-crash-child <keystore-dir> <wallet-id> <stall|loop>
// The wallet's record must exist. Each write replaces it with the same record and a new
// `metadata.n`. `stall`: the first write stops between fsync of the temporary file and the
// rename (the hook prints "stalled <temp path>" and waits forever). `loop`: prints "ready"
// and rewrites without pause, so the kill lands at an arbitrary point of a write.
import Foundation
import WalletCore

func run() -> Int32 {
    let arguments = CommandLine.arguments
    guard arguments.count == 4, let id = WalletID(arguments[2]), arguments[3] == "stall" || arguments[3] == "loop" else {
        FileHandle.standardError.write(Data("usage: keystore-crash-child <dir> <wallet-id> <stall|loop>\n".utf8))
        return 2
    }
    let stall = arguments[3] == "stall"
    do {
        let directory = try KeystoreDirectory(path: arguments[1]) { temporaryPath throws(WalletCoreError) in
            guard stall else { return }
            FileHandle.standardOutput.write(Data("stalled \(temporaryPath)\n".utf8))
            while true { sleep(60) }
        }
        var record = try directory.load(id)
        if !stall { FileHandle.standardOutput.write(Data("ready\n".utf8)) }
        var round = 0
        while true {
            round += 1
            record.metadata["n"] = String(round)
            try directory.replace(record)
        }
    } catch {
        FileHandle.standardError.write(Data("keystore-crash-child: \(error)\n".utf8))
        return 1
    }
}

exit(run())
