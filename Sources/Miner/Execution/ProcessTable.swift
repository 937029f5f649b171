import Glibc

/// Reads the kernel's process table from `/proc` (proc(5)): which processes are children of
/// a given pid, with their state, group and session.
enum ProcessTable {
    /// One process as `/proc/<pid>/stat` describes it.
    struct Entry: Equatable, Sendable {
        var pid: Int32
        /// The command name (`comm`, at most 15 bytes, chosen by the process itself).
        var command: String
        /// One letter: `R`, `S`, `D`, `Z` (zombie), `T`…
        var state: UInt8
        var parent: Int32
        var group: Int32
        var session: Int32

        /// Whether it has exited and only waits to be reaped.
        var isZombie: Bool { state == UInt8(ascii: "Z") }
    }

    /// Parses one `/proc/<pid>/stat` line: `pid (comm) state ppid pgrp session …`. The command
    /// name may hold spaces and parentheses, so the fields are read after the *last* `)`.
    static func parseStat(_ bytes: some Collection<UInt8>) -> Entry? {
        let line = Array(bytes)
        guard let open = line.firstIndex(of: UInt8(ascii: "(")), let close = line.lastIndex(of: UInt8(ascii: ")")),
            open < close,
            let pid = Int32(String(decoding: line[..<open], as: UTF8.self).filter { $0 != " " })
        else { return nil }
        let fields = line[(close + 1)...].split(separator: UInt8(ascii: " "), maxSplits: 5, omittingEmptySubsequences: true)
        guard fields.count >= 4, fields[0].count == 1,
            let parent = Int32(String(decoding: fields[1], as: UTF8.self)),
            let group = Int32(String(decoding: fields[2], as: UTF8.self)),
            let session = Int32(String(decoding: fields[3], as: UTF8.self))
        else { return nil }
        return Entry(
            pid: pid, command: String(decoding: line[(open + 1)..<close], as: UTF8.self), state: fields[0][fields[0].startIndex],
            parent: parent, group: group, session: session)
    }

    /// `/proc/<pid>/stat` of one process; nil when it is gone (or the line is malformed).
    static func entry(pid: Int32) -> Entry? {
        let fd = open("/proc/\(pid)/stat", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        // pid, a 15-byte comm and 50 numeric fields: well under 1 KiB.
        var buffer = [UInt8](repeating: 0, count: 2048)
        var length = 0
        while length < buffer.count {
            let got = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress.map { $0 + length }, $0.count - length) }
            if got < 0, errno == EINTR { continue }
            if got <= 0 { break }
            length += got
        }
        return parseStat(buffer[..<length])
    }

    /// Every child of this process, zombies included: the `/proc` scan, plus the children the
    /// kernel lists for each of its threads (`/proc/self/task/<tid>/children`). Those catch
    /// children of another uid that a `hidepid` /proc (systemd's `ProtectProc=invisible`)
    /// hides from the scan; their group and session are unknown (0).
    static func ownChildren() -> [Entry] {
        let me = getpid()
        var found = children(of: me)
        var seen = Set(found.map(\.pid))
        for pid in listedChildren() where seen.insert(pid).inserted {
            var info = siginfo_t()
            // WNOWAIT: only looks whether it is a zombie; its status stays for whoever reaps it.
            let zombie = waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info._sifields._sigchld.si_pid == pid
            found.append(Entry(pid: pid, command: "?", state: UInt8(ascii: zombie ? "Z" : "?"), parent: me, group: 0, session: 0))
        }
        return found
    }

    /// Pids in `/proc/self/task/*/children` (CONFIG_PROC_CHILDREN; empty without it).
    static func listedChildren() -> [Int32] {
        guard let tasks = opendir("/proc/self/task") else { return [] }
        defer { closedir(tasks) }
        var pids: [Int32] = []
        while let item = readdir(tasks) {
            guard let tid = number(item.pointee.d_name) else { continue }
            let fd = open("/proc/self/task/\(tid)/children", O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { continue }
            defer { close(fd) }
            var text: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 4096)
            while text.count < 1 << 20 {
                let got = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if got < 0, errno == EINTR { continue }
                if got <= 0 { break }
                text += chunk[..<got]
            }
            pids += text.split(separator: UInt8(ascii: " ")).compactMap { Int32(String(decoding: $0, as: UTF8.self)) }
        }
        return pids
    }

    /// A `/proc` directory entry's name as a pid; nil for anything but 1–10 decimal digits.
    private static func number(_ name: some Any) -> Int32? {
        withUnsafeBytes(of: name) { raw -> Int32? in
            let digits = raw.prefix { $0 != 0 }
            guard !digits.isEmpty, digits.count <= 10, digits.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) })
            else { return nil }
            return Int32(String(decoding: digits, as: UTF8.self))
        }
    }

    /// Every process whose parent is `parent`, zombies included (one pass over `/proc`).
    static func children(of parent: Int32) -> [Entry] {
        guard let directory = opendir("/proc") else { return [] }
        defer { closedir(directory) }
        var found: [Entry] = []
        while let item = readdir(directory) {
            let pid = number(item.pointee.d_name)
            // Reading stat costs a syscall per process; every process is a candidate (the
            // parent is only in stat), but a miner host runs a few hundred at most.
            if let pid, let entry = entry(pid: pid), entry.parent == parent { found.append(entry) }
        }
        return found
    }
}
