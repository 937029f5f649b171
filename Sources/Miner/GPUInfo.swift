/// One NVIDIA GPU as the probe reports it in `capabilities.gpus[]`; the coordinator's
/// constraint matching reads `name` (constraint `gpu`) and `memory_mb` (`min_vram_gb`).
public struct GPUInfo: Codable, Equatable, Sendable {
    /// nvidia-smi's index, the value `CUDA_VISIBLE_DEVICES` takes.
    public var index: Int
    /// Stable identity across reboots and re-enumeration (`GPU-…`).
    public var uuid: String
    /// Marketing name, e.g. `NVIDIA H100 80GB HBM3`.
    public var name: String
    /// Total memory in MiB; nil when the driver reports `[N/A]`.
    public var memoryMB: Int?
    /// Free memory in MiB at probe time; nil when not reported (e.g. MIG mode).
    public var memoryFreeMB: Int?
    /// Driver version string.
    public var driver: String?
    /// Compute capability, e.g. `9.0`.
    public var computeCap: String?

    enum CodingKeys: String, CodingKey {
        case index, uuid, name
        case memoryMB = "memory_mb"
        case memoryFreeMB = "memory_free_mb"
        case driver
        case computeCap = "compute_cap"
    }

    /// A GPU with every field given.
    public init(
        index: Int, uuid: String, name: String, memoryMB: Int?, memoryFreeMB: Int?, driver: String?, computeCap: String?
    ) {
        self.index = index
        self.uuid = uuid
        self.name = name
        self.memoryMB = memoryMB
        self.memoryFreeMB = memoryFreeMB
        self.driver = driver
        self.computeCap = computeCap
    }
}
