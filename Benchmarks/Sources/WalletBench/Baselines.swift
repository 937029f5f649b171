import BenchSupport
import Foundation

/// The raw C loops of `CBaselineWallet`, run by WalletBench in the same run as the daemon.
enum Baselines {
    /// `CBaselineWallet argon2 …` as a co-process: one `argon2id_hash_raw` per `hash()`, timed
    /// inside the C process around the call alone.
    final class Argon2: @unchecked Sendable {
        let process = Process()
        private let input = Pipe()
        private let output = Pipe()
        private var buffer: [UInt8] = []

        init(binary: String, iterations: Int, memoryKiB: Int, parallelism: Int, passwordLength: Int) {
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments = ["argon2", String(iterations), String(memoryKiB), String(parallelism), String(passwordLength)]
            process.standardInput = input
            process.standardOutput = output
            do {
                try process.run()
            } catch {
                Bench.fail("cannot start \(binary): \(error)")
            }
            SpawnedProcess.track(process.processIdentifier)
        }

        var pid: Int32 { process.processIdentifier }

        /// Seconds one hash took, off the cooperative pool (the call blocks on a pipe).
        func hash() async -> Double {
            await withCheckedContinuation { continuation in
                DispatchQueue.global().async { continuation.resume(returning: self.hashBlocking()) }
            }
        }

        private func hashBlocking() -> Double {
            input.fileHandleForWriting.write(Data("\n".utf8))
            while true {
                if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                    let line = String(decoding: buffer[..<newline], as: UTF8.self)
                    buffer.removeSubrange(...newline)
                    guard let seconds = Double(line) else { Bench.fail("CBaselineWallet argon2 answered \(line.debugDescription)") }
                    return seconds
                }
                let data = output.fileHandleForReading.availableData
                guard !data.isEmpty else { Bench.fail("CBaselineWallet argon2 exited (status \(process.isRunning ? -1 : process.terminationStatus))") }
                buffer += data
            }
        }

        func stop() {
            try? input.fileHandleForWriting.close()
            process.waitUntilExit()
            SpawnedProcess.untrack(process.processIdentifier)
        }
    }

    /// `crypto_sign_detached` on `threads` threads at once.
    struct SignRate {
        /// Signatures per wall-clock second, all threads together.
        var wall: Double
        /// Signatures per CPU-second of one signing thread.
        var perCPUSecond: Double
    }

    /// Runs `CBaselineWallet sign` to completion (blocking; call off the cooperative pool or between phases).
    static func signRate(binary: String, threads: Int, iterations: Int, messageLength: Int) -> SignRate {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["sign", String(threads), String(iterations), String(messageLength)]
        let pipe = Pipe()
        process.standardOutput = pipe
        do {
            try process.run()
        } catch {
            Bench.fail("cannot start \(binary): \(error)")
        }
        SpawnedProcess.track(process.processIdentifier)
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        SpawnedProcess.untrack(process.processIdentifier)
        let fields = String(decoding: data, as: UTF8.self).split(whereSeparator: \.isWhitespace)
        guard process.terminationStatus == 0, fields.count == 4, let wall = Double(fields[2]), let cpu = Double(fields[3]) else {
            Bench.fail("CBaselineWallet sign failed (status \(process.terminationStatus)): \(String(decoding: data, as: UTF8.self))")
        }
        return SignRate(wall: wall, perCPUSecond: cpu)
    }
}
