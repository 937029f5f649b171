/// Why a hard filter of §5.3 dropped a miner; the raw values are the `reason` label of
/// `poolhub_match_rejections_total` (§8). Each rejected miner gets exactly one reason (the first
/// failing filter, in `allCases` order of checking), so a request's counts sum to
/// considered − eligible (§10.13).
public enum RejectionReason: String, Sendable, CaseIterable {
    /// Lease expired (§7): silent for `SESSION_TTL` or longer.
    case stale
    /// Busy, or `queue_len ≥ max_parallel`.
    case capacity
    case vram
    case ram
    /// A required accelerator is neither a capability nor a tag key.
    case accel
    /// None of `capabilities_any` present.
    case caps
    /// None of `tags_any` among the tag keys.
    case tags
    /// Price above `hints.max_price`.
    case price
    /// Region differs from `hints.region`, or the miner has none.
    case region
}

/// Rejections of one match, per reason.
public struct RejectionCounts: Sendable, Equatable, CustomStringConvertible {
    private var stale = 0, capacity = 0, vram = 0, ram = 0, accel = 0, caps = 0, tags = 0, price = 0, region = 0

    /// No rejections.
    public init() {}

    /// The count for `reason`.
    public subscript(reason: RejectionReason) -> Int {
        get {
            switch reason {
            case .stale: return stale
            case .capacity: return capacity
            case .vram: return vram
            case .ram: return ram
            case .accel: return accel
            case .caps: return caps
            case .tags: return tags
            case .price: return price
            case .region: return region
            }
        }
        set {
            switch reason {
            case .stale: stale = newValue
            case .capacity: capacity = newValue
            case .vram: vram = newValue
            case .ram: ram = newValue
            case .accel: accel = newValue
            case .caps: caps = newValue
            case .tags: tags = newValue
            case .price: price = newValue
            case .region: region = newValue
            }
        }
    }

    /// All rejections.
    public var total: Int { RejectionReason.allCases.reduce(0) { $0 + self[$1] } }

    /// "vram=2 region=1", reasons with a zero count left out.
    public var description: String {
        RejectionReason.allCases.filter { self[$0] > 0 }.map { "\($0.rawValue)=\(self[$0])" }.joined(separator: " ")
    }
}
