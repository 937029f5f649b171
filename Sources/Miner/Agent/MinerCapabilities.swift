import Cryptography
import Foundation
import ServiceRuntime
public import JSON

/// The `capabilities` object a miner registers with (spec/miner.md §4 target), keyed so the
/// coordinator's constraint matcher finds `gpus[].name`, `gpus[].memory_mb`, `cuda`, `models`
/// and `price`.
public enum MinerCapabilities {
    /// Version string advertised as `capabilities.version`.
    public static let version = AITBCVersion.number

    /// Builds the capabilities from the host probe, configuration and executor runners.
    public static func json(
        probe: HostProbe, configuration: MinerConfiguration, runners: [String], models: [String] = []
    ) -> JSONValue {
        func integer(_ value: (some BinaryInteger)?) -> JSONValue { value.map { .integer(JSONInteger($0)) } ?? .null }
        func text(_ value: String?) -> JSONValue { value.map { .string($0) } ?? .null }
        let totalGB = probe.memoryTotalBytes.map { JSONValue.float((Double($0) / 1_073_741_824 * 100).rounded() / 100) } ?? .null
        let gpus: [JSONValue] = probe.gpus.map { gpu in
            [
                "index": integer(gpu.index), "uuid": .string(gpu.uuid), "name": .string(gpu.name),
                "memory_mb": integer(gpu.memoryMB), "memory_free_mb": integer(gpu.memoryFreeMB), "driver": text(gpu.driver),
                "compute_cap": text(gpu.computeCap),
            ]
        }
        return [
            "node_id": .string(configuration.nodeID),
            "version": .string(version),
            "os": "linux",
            "arch": .string(probe.cpu.arch),
            "hostname": .string(ProcessInfo.processInfo.hostName),
            "cpu": ["logical_cores": integer(probe.cpu.logicalCores), "model": text(probe.cpu.model)],
            "memory": ["total_bytes": integer(probe.memoryTotalBytes), "total_gb": totalGB],
            "disk": ["workspace_free_bytes": integer(probe.workspaceFreeBytes)],
            "runners": .array(runners.map { .string($0) }),
            "gpus": .array(gpus),
            "cuda": text(probe.cuda),
            "models": .array(models.map { .string($0) }),
            "price": configuration.price.map { .float($0) } ?? .null,
            "wallet": text(configuration.walletAddress?.description),
            "region": text(configuration.region),
            "tags": .array([]),
        ]
    }
}
