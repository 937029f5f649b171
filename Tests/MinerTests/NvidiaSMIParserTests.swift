import Foundation
import TestSupport
import Testing

@testable import Miner

private func fixture(_ name: String) throws -> String {
    let url = try #require(Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: nil))
    return try String(contentsOf: url, encoding: .utf8)
}

@Suite struct NvidiaSMIParserTests {
    @Test func oneGPU() throws {
        let gpus = try NvidiaSMIParser.parseGPUs(csv: fixture("one_gpu.csv"))
        #expect(
            gpus == [
                GPUInfo(
                    index: 0, uuid: "GPU-3b5c1e2a-9f0d-4c1e-8a7b-2d4e6f8a0b1c", name: "NVIDIA GeForce RTX 4090",
                    memoryMB: 24564, memoryFreeMB: 23817, driver: "550.54.14", computeCap: "8.9")
            ])
    }

    @Test func eightGPUsKeepOrderAndIndices() throws {
        let gpus = try NvidiaSMIParser.parseGPUs(csv: fixture("eight_gpus.csv"))
        #expect(gpus.count == 8)
        #expect(gpus.map(\.index) == Array(0..<8))
        #expect(gpus.allSatisfy { $0.name == "NVIDIA H100 80GB HBM3" && $0.memoryMB == 81559 })
        #expect(gpus[7].memoryFreeMB == 74000)
    }

    @Test func migModeReportsNoFreeMemory() throws {
        let gpus = try NvidiaSMIParser.parseGPUs(csv: fixture("mig.csv"))
        #expect(gpus.count == 2)
        #expect(gpus.allSatisfy { $0.memoryMB == 40960 && $0.memoryFreeMB == nil && $0.computeCap == "8.0" })
    }

    @Test func unitsAndNotSupportedAreTolerated() throws {
        let gpus = try NvidiaSMIParser.parseGPUs(csv: fixture("odd_units.csv"))
        #expect(gpus.count == 1)
        #expect(gpus.first?.memoryMB == 15360)
        #expect(gpus.first?.memoryFreeMB == 15101)
        #expect(gpus.first?.computeCap == nil)
    }

    @Test func driverErrorTextIsRejected() throws {
        #expect(throws: NvidiaSMIParser.Error.unexpectedFieldCount(line: 1, found: 1)) {
            try NvidiaSMIParser.parseGPUs(csv: fixture("error.txt"))
        }
    }

    @Test(arguments: [
        ("x, GPU-1, T4, 1, 1, d, 7.5", NvidiaSMIParser.Error.invalidIndex(line: 1)),
        ("-1, GPU-1, T4, 1, 1, d, 7.5", .invalidIndex(line: 1)),
        ("0, GPU-1, T4, lots, 1, d, 7.5", .invalidMemory(line: 1)),
        ("0, GPU-1, T4, 1, 1, d", .unexpectedFieldCount(line: 1, found: 6)),
    ])
    func malformedLinesAreRejected(csv: String, error: NvidiaSMIParser.Error) {
        #expect(throws: error) { try NvidiaSMIParser.parseGPUs(csv: csv) }
    }

    @Test func quotedNameWithComma() throws {
        let gpus = try NvidiaSMIParser.parseGPUs(csv: "0, GPU-1, \"Odd, Name\", 100, 50, 1.0, 8.0\n")
        #expect(gpus.first?.name == "Odd, Name")
    }

    @Test func cudaVersionFromBanner() throws {
        #expect(NvidiaSMIParser.parseCUDAVersion(banner: try fixture("banner.txt")) == "12.4")
        #expect(NvidiaSMIParser.parseCUDAVersion(banner: "no gpu here") == nil)
    }

    @Test func capabilitiesJSONUsesCoordinatorKeys() throws {
        let gpu = GPUInfo(index: 0, uuid: "GPU-1", name: "T4", memoryMB: 15360, memoryFreeMB: nil, driver: "470", computeCap: nil)
        let json = String(decoding: try JSONEncoder().encode(gpu), as: UTF8.self)
        #expect(json.contains("\"memory_mb\":15360"))
        #expect(json.contains("\"name\":\"T4\""))
    }
}

@Suite struct HostProbeTests {
    /// Writes an executable shell script standing in for nvidia-smi.
    private func fakeSMI(_ body: String) throws -> (path: String, cleanup: () -> Void) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fake-smi-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent("nvidia-smi").path
        try writeExecutableScript("#!/bin/sh\n\(body)\n", to: path)
        return (path, { try? FileManager.default.removeItem(at: dir) })
    }

    @Test func probesGPUsAndCUDAThroughTheBinary() async throws {
        let csv = try fixture("eight_gpus.csv")
        let banner = try fixture("banner.txt")
        let fake = try fakeSMI(
            """
            if [ "$#" -gt 0 ]; then cat <<'CSV'
            \(csv)CSV
            else cat <<'TXT'
            \(banner)TXT
            fi
            """)
        defer { fake.cleanup() }
        let probe = await HostProbe.probe(workspace: NSTemporaryDirectory(), nvidiaSMI: fake.path)
        #expect(probe.gpus.count == 8)
        #expect(probe.cuda == "12.4")
        #expect(probe.gpuProbeError == nil)
        #expect(probe.cpu.logicalCores >= 1)
        #expect((probe.memoryTotalBytes ?? 0) > 0)
        #expect((probe.workspaceFreeBytes ?? 0) > 0)
    }

    @Test func missingBinaryMeansCPUOnly() async {
        let probe = await HostProbe.probe(workspace: NSTemporaryDirectory(), nvidiaSMI: "/nonexistent/nvidia-smi")
        #expect(probe.gpus.isEmpty)
        #expect(probe.cuda == nil)
        #expect(probe.gpuProbeError == nil)
    }

    @Test func hungBinaryIsKilledAtTheDeadline() async throws {
        let fake = try fakeSMI("exec sleep 30")
        defer { fake.cleanup() }
        let probe = await HostProbe.probe(workspace: NSTemporaryDirectory(), nvidiaSMI: fake.path, timeout: .milliseconds(300))
        #expect(probe.gpus.isEmpty)
        #expect(probe.gpuProbeError?.contains("no answer") == true, "probe error: \(probe.gpuProbeError ?? "none")")
    }

    @Test func failingBinaryReportsItsStatus() async throws {
        let fake = try fakeSMI("echo \"NVIDIA-SMI has failed\"; exit 9")
        defer { fake.cleanup() }
        let probe = await HostProbe.probe(workspace: NSTemporaryDirectory(), nvidiaSMI: fake.path)
        #expect(probe.gpus.isEmpty)
        #expect(probe.gpuProbeError == "exited with status 9")
    }

    @Test func procParsers() {
        #expect(HostProbe.cpuModel(cpuinfo: "processor\t: 0\nmodel name\t: AMD EPYC 9654\n") == "AMD EPYC 9654")
        #expect(HostProbe.memoryTotal(meminfo: "MemTotal:       24576000 kB\nMemFree: 1 kB\n") == 24_576_000 * 1024)
        #expect(HostProbe.memoryTotal(meminfo: "garbage") == nil)
    }

    @Test func workspaceFreeSpaceComesFromTheNearestExistingFolder() {
        let existing = HostProbe.freeBytes(at: NSTemporaryDirectory())
        #expect(existing != nil)
        // The workspace root does not exist before the first job: its parent's file system counts.
        #expect(HostProbe.freeBytes(at: NSTemporaryDirectory() + "/not-yet-\(UUID().uuidString)/jobs") != nil)
        #expect(HostProbe.freeBytes(at: "relative-\(UUID().uuidString)/jobs") != nil)
    }
}
