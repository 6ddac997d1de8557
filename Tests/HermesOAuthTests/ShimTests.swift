import Foundation
import SystemPackage
import Testing
@testable import HermesOAuth
import HermesTestSupport

@Suite struct InotifyTests {
    let dir = TemporaryDirectory()

    func events(_ inotify: Inotify, until predicate: ([InotifyEvent]) -> Bool) throws -> [InotifyEvent] {
        var all: [InotifyEvent] = []
        let deadline = Date().addingTimeInterval(5)
        while !predicate(all), Date() < deadline {
            all += try inotify.read(timeoutMilliseconds: 200)
        }
        return all
    }

    @Test func seesAtomicRenamesInPlaceWritesAndDeletions() throws {
        let inotify = try Inotify()
        let mask = Inotify.closeWrite | Inotify.movedTo | Inotify.delete | Inotify.movedFrom | Inotify.create
        let wd = try inotify.addWatch(dir.path, mask: mask)

        try AtomicFile.write(Data("{}".utf8), directory: dir.path, name: "srv.json")
        let renamed = try events(inotify) { $0.contains { $0.name == "srv.json" && $0.has(Inotify.movedTo) } }
        #expect(renamed.contains { $0.name == "srv.json" && $0.has(Inotify.movedTo) && $0.watch == wd })

        let handle = try #require(FileHandle(forWritingAtPath: dir.file("srv.json")))
        handle.write(Data("{\"a\":1}".utf8))
        try handle.close()
        let written = try events(inotify) { $0.contains { $0.name == "srv.json" && $0.has(Inotify.closeWrite) } }
        #expect(!written.isEmpty)

        unlink(dir.file("srv.json"))
        let deleted = try events(inotify) { $0.contains { $0.name == "srv.json" && $0.has(Inotify.delete) } }
        #expect(!deleted.isEmpty)

        try inotify.removeWatch(wd)
        let ignored = try events(inotify) { $0.contains { $0.has(Inotify.ignored) } }
        #expect(ignored.contains { $0.watch == wd && $0.name.isEmpty })
    }

    @Test func aQuietDirectoryTimesOutWithNoEvents() throws {
        let inotify = try Inotify()
        try inotify.addWatch(dir.path, mask: Inotify.closeWrite)
        let start = Date()
        #expect(try inotify.read(timeoutMilliseconds: 100).isEmpty)
        #expect(Date().timeIntervalSince(start) >= 0.09)
        #expect(try inotify.drain().isEmpty)
    }

    @Test func manyEventsInOneReadAreAllDecoded() throws {
        let inotify = try Inotify()
        try inotify.addWatch(dir.path, mask: Inotify.movedTo)
        for i in 0..<300 {
            try AtomicFile.write(Data("\(i)".utf8), directory: dir.path, name: "file-\(i)-" + String(repeating: "n", count: i % 40) + ".json")
        }
        let all = try events(inotify) { $0.count >= 300 }
        #expect(Set(all.map(\.name)).count == 300)
    }

    @Test func watchingAMissingDirectoryFailsWithENOENT() throws {
        let inotify = try Inotify()
        #expect(throws: Errno.noSuchFileOrDirectory) { try inotify.addWatch(dir.file("absent"), mask: Inotify.create) }
    }
}

@Suite struct FileLockTests {
    let dir = TemporaryDirectory()

    /// Starts a helper that holds the lock, and returns once it says so.
    func holder(_ path: String, seconds: Double) throws -> Child {
        let p = try Child(Build.product("hermes-test-helper"), ["hold-lock", path, "\(seconds)"], stdout: .pipe)
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = (try? buffer.withUnsafeMutableBytes { try p.stdout!.read(into: $0, retryOnInterrupt: true) }) ?? 0
        let line = String(decoding: buffer[0..<count], as: UTF8.self)
        #expect(line.contains("locked"))
        return p
    }

    /// The blocking `lock(timeout:)`: called from an async test, Swift would pick the async overload.
    static func blockingLock(_ lock: FileLock, timeout: Double) throws { try lock.lock(timeout: timeout) }

    @Test func anotherProcessesLockBlocksUntilReleased() async throws {
        let path = dir.file("srv.lock")
        let p = try holder(path, seconds: 3.0)
        let lock = try FileLock(path: path)
        #expect(try lock.tryLock() == false)
        #expect(throws: FileLock.Timeout.self) { try lock.lock(timeout: 0.2) }
        // The holder lets go after three seconds; a patient waiter then gets it.
        try Self.blockingLock(lock, timeout: 10)
        #expect(lock.isHeld)
        await p.wait()
        #expect(mode(path) == 0o600)

        // And while this process holds it, another process cannot take it.
        let other = try await run(Build.product("hermes-test-helper"), ["try-lock", path, "0.2"])
        #expect(other.stdout.contains("timeout"))
        lock.unlock()
        let again = try await run(Build.product("hermes-test-helper"), ["try-lock", path, "2"])
        #expect(again.stdout.contains("acquired"))
    }

    @Test func aKilledHolderReleasesTheLock() throws {
        let path = dir.file("crash.lock")
        let p = try holder(path, seconds: 60)
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        #expect(try FileLock(path: path).tryLock())
    }

    @Test func asyncWaitDoesNotNeedAThread() async throws {
        let path = dir.file("async.lock")
        let p = try holder(path, seconds: 0.5)
        let lock = try FileLock(path: path)
        try await lock.lock(timeout: 10)
        #expect(lock.isHeld)
        await p.wait()
        let blocked = try FileLock(path: path)
        await #expect(throws: FileLock.Timeout.self) { try await blocked.lock(timeout: 0.1) }
    }

    @Test func aSymlinkedLockPathIsRefused() throws {
        try dir.write("target", "x")
        try FileManager.default.createSymbolicLink(atPath: dir.file("link.lock"), withDestinationPath: dir.file("target"))
        #expect(throws: Errno.tooManySymbolicLinkLevels) { try FileLock(path: dir.file("link.lock")) }
    }
}

@Suite struct AtomicFileTests {
    let dir = TemporaryDirectory()

    @Test func rejectsNamesThatAreNotOneComponent() {
        for name in ["", ".", "..", "a/b"] {
            #expect(throws: Errno.invalidArgument) { try AtomicFile.write(Data(), directory: dir.path, name: name) }
        }
    }

    @Test func createsExactlyTheRequestedMode() throws {
        try AtomicFile.write(Data("x".utf8), directory: dir.path, name: "a", mode: 0o600)
        #expect(mode(dir.file("a")) == 0o600)
        try AtomicFile.write(Data("y".utf8), directory: dir.path, name: "b", mode: 0o640)
        #expect(mode(dir.file("b")) == 0o640)
        try AtomicFile.write(Data("z".utf8), directory: dir.path, name: "b", mode: 0o600)
        #expect(mode(dir.file("b")) == 0o600)
        #expect(try AtomicFile.read(path: dir.file("b")) == Data("z".utf8))
        #expect(try AtomicFile.read(path: dir.file("missing")) == nil)
    }

    @Test func aMissingDirectoryIsAnError() {
        #expect(throws: Errno.noSuchFileOrDirectory) {
            try AtomicFile.write(Data(), directory: dir.file("nope"), name: "a")
        }
    }
}
