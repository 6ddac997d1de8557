import Foundation
import Testing
import HermesTestSupport
@testable import HermesMCP

@Suite struct ProcessTreeTests {
    /// A shell that forks two sleepers, one of which forks another: three descendants.
    func spawnTree() throws -> Child {
        try Child("/bin/sh", ["-c", "sleep 30 & (sleep 30 & wait) & wait"])
    }

    func waitFor(_ condition: () -> Bool) async throws {
        try await waitUntil(timeout: 5, condition)
    }

    func stop(_ root: Child, _ descendants: [pid_t]) {
        for pid in descendants { kill(pid, SIGKILL) }
        kill(root.processIdentifier, SIGKILL)
        root.waitUntilExit()
    }

    @Test func findsEveryDescendant() async throws {
        let root = try spawnTree()
        var found: [pid_t] = []
        try await waitFor {
            found = ProcessTree.descendants(of: root.processIdentifier)
            return found.count >= 3
        }
        defer { stop(root, found) }
        // sh -> sleep, sh -> subshell -> sleep: three processes below the root shell.
        #expect(found.count == 3, "\(found)")
        #expect(!found.contains(root.processIdentifier))
    }

    /// The reference read only the main thread's children file; a child spawned from another
    /// thread was invisible to it. Here the spawning thread has also exited by the time the tree
    /// is read (the per-thread children files lost such a child under AddressSanitizer's timing).
    @Test func childrenSpawnedFromAnotherThreadAreFound() async throws {
        final class Box: @unchecked Sendable { var process: Child? }
        let box = Box()
        let thread = Thread {
            box.process = try? Child("/bin/sleep", ["30"])
        }
        thread.start()
        try await waitUntil(timeout: 5, poll: 0.001) { thread.isFinished }
        let child = try #require(box.process)
        defer { kill(child.processIdentifier, SIGKILL); child.waitUntilExit() }
        #expect(try ProcessTree.children(of: getpid()).contains(child.processIdentifier))
        #expect(ProcessTree.descendants(of: getpid()).contains(child.processIdentifier))
    }

    @Test func aProcessWithoutChildrenHasNone() throws {
        let p = try Child("/bin/sleep", ["30"])
        defer { kill(p.processIdentifier, SIGKILL); p.waitUntilExit() }
        #expect(ProcessTree.descendants(of: p.processIdentifier).isEmpty)
        #expect(ProcessTree.descendants(of: 999_999_999).isEmpty)
    }
}
