import Foundation
import ServiceRuntime
import Testing
import TestSupport

@Suite struct SpawnRegistryTests {
    @Test("a ChildProcess is registered from its spawn until it has been reaped, then forgotten")
    func childProcessRegistersUntilReaped() async throws {
        let directory = try TemporaryDirectory(prefix: "spawn-registry")
        let child = try ChildProcess("/bin/sh", ["-c", "exit 3"], environment: [:], directory: directory.url.path)
        #expect(SpawnRegistry.sweeping { isRegistered in isRegistered(child.pid) })
        #expect(await child.wait(timeout: .seconds(30)) == 3)
        #expect(!SpawnRegistry.sweeping { isRegistered in isRegistered(child.pid) })
    }

    @Test("a pid registered twice (reused before its first owner forgot it) stays registered until both forget it")
    func reusedPidIsCounted() throws {
        // A pid no process of ours has: far above pid_max's default.
        let pid: Int32 = 2_000_000_001
        for _ in 0..<2 { _ = SpawnRegistry.spawn { () -> Int32 in pid } }
        SpawnRegistry.forget(pid)
        #expect(SpawnRegistry.sweeping { $0(pid) })
        SpawnRegistry.forget(pid)
        #expect(!SpawnRegistry.sweeping { $0(pid) })
    }
}
