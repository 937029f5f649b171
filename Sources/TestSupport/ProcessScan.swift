import Foundation

/// Pids of live (non-zombie) processes whose command line contains `marker` (a /proc scan),
/// for tests that check no process of a job outlived it. The state letter is read after the
/// last `)` of `/proc/<pid>/stat`: the command name before it may hold spaces and parentheses.
public func processesCarrying(_ marker: String) -> [Int32] {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.compactMap(Int32.init).filter { pid in
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline"),
            String(decoding: data.map { $0 == 0 ? 32 : $0 }, as: UTF8.self).contains(marker),
            let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return false }
        return stat[close...].dropFirst(2).first != "Z"
    }
}
