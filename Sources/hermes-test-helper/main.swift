import Foundation
import HermesMCP
import HermesOAuth
import HermesOAuthC
import Synchronization

// A separate process for tests that need several: concurrent token writers, lock holders.
//   hermes-test-helper write-tokens HOME NAME COUNT TAG   write COUNT token sets, each readable
//   hermes-test-helper hold-lock PATH SECONDS              take the lock, say "locked", hold it
//   hermes-test-helper try-lock PATH TIMEOUT               print "acquired" or "timeout"
//   hermes-test-helper access-token HOME NAME              print "ok <sha256 prefix of the token>" via the manager
//   hermes-test-helper refresh HOME NAME                   force a refresh, as a cron job would; print the same
//   hermes-test-helper stdio-cycles COUNT PYTHON MCP_SERVER STUBBORN_SERVER  connect/shut down stdio servers
//                                                          COUNT times (real MCP sessions, SIGTERM-ignoring and forking
//                                                          ones in turn); prints this process's descriptor counts
//   hermes-test-helper refresh-loop HOME NAME COUNT THREADS  THREADS tasks, each COUNT times: take the
//                                                          token, treat it as rejected (recover); "ok N" or the first error
//   hermes-test-helper tsan-canary locked|mutex|unguarded   4 threads bump one counter 20000 times each, through
//                                                          `Locked`, a bare `Mutex`, or nothing; prints the total

let args = CommandLine.arguments
func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data((message + "\n").utf8))
    exit(2)
}

switch args.dropFirst().first {
case "write-tokens":
    guard args.count == 6, let count = Int(args[4]) else { fail("usage: write-tokens HOME NAME COUNT TAG") }
    let store = TokenStore(home: HermesHome(path: args[2]), serverName: args[3])
    // Said before the first write, so a test that kills writers can aim at the writes, not at
    // this program's start-up (slow and varying on a loaded machine).
    print("writing")
    fflush(nil)
    for i in 0..<count {
        // Long values make a torn write visible as invalid JSON.
        let padding = String(repeating: "x", count: 2000 + (i % 7) * 300)
        let tokens = OAuthTokens(accessToken: "\(args[5])-access-\(i)-\(padding)", refreshToken: "\(args[5])-refresh-\(i)",
                                 scope: "read", expiresAt: Date().timeIntervalSince1970 + 3600)
        do { try store.save(tokens: tokens) } catch { fail("write \(i): \(error)") }
    }
    print("wrote \(count)")
case "hold-lock":
    guard args.count == 4, let seconds = Double(args[3]) else { fail("usage: hold-lock PATH SECONDS") }
    do {
        let lock = try FileLock(path: args[2])
        try lock.lock(timeout: 5)
        print("locked")
        fflush(nil)
        Thread.sleep(forTimeInterval: seconds)
        lock.unlock()
    } catch { fail("\(error)") }
case "try-lock":
    guard args.count == 4, let timeout = Double(args[3]) else { fail("usage: try-lock PATH TIMEOUT") }
    do {
        let lock = try FileLock(path: args[2])
        do {
            try lock.lock(timeout: timeout)
            print("acquired")
        } catch is FileLock.Timeout {
            print("timeout")
        }
    } catch { fail("\(error)") }
case "access-token", "refresh":
    guard args.count == 4 else { fail("usage: \(args[1]) HOME NAME") }
    let manager = OAuthManager(home: HermesHome(path: args[2]))
    let name = args[3]
    let done = DispatchSemaphore(value: 0)
    Task.detached {
        do {
            let token: String
            if args[1] == "refresh" {
                guard let provider = try manager.provider(named: name) else { throw OAuthFailure.unknownServer(name) }
                token = try await provider.recover(failedToken: try await provider.accessToken())
            } else {
                token = try await manager.accessToken(for: name)
            }
            print("ok " + Crypto.sha256(token).prefix(6).map { String(format: "%02x", $0) }.joined())
        } catch let failure as OAuthFailure {
            print("error \(failure.status.cName) \(failure)")
        } catch {
            print("error \(error)")
        }
        done.signal()
    }
    done.wait()
case "refresh-loop":
    guard args.count == 6, let count = Int(args[4]), let threads = Int(args[5]) else { fail("usage: refresh-loop HOME NAME COUNT THREADS") }
    let manager = OAuthManager(home: HermesHome(path: args[2]))
    let name = args[3]
    let done = DispatchSemaphore(value: 0)
    Task.detached {
        let failures = await withTaskGroup(of: String?.self) { group in
            for _ in 0..<threads {
                group.addTask {
                    do {
                        guard let provider = try manager.provider(named: name) else { throw OAuthFailure.unknownServer(name) }
                        for _ in 0..<count {
                            let token = try await provider.accessToken()
                            _ = try await provider.recover(failedToken: token)
                        }
                        return nil
                    } catch let failure as OAuthFailure {
                        return "error \(failure.status.cName) \(failure)"
                    } catch {
                        return "error \(error)"
                    }
                }
            }
            var failures: [String] = []
            for await result in group { if let result { failures.append(result) } }
            return failures
        }
        print(failures.first ?? "ok \(count * threads)")
        done.signal()
    }
    done.wait()
case "stdio-cycles":
    guard args.count == 6, let count = Int(args[2]) else { fail("usage: stdio-cycles COUNT PYTHON MCP_SERVER STUBBORN_SERVER") }
    let python = args[3], mcpServer = args[4], stubborn = args[5]
    @Sendable func descriptors() -> Int { (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? -1 }
    let done = DispatchSemaphore(value: 0)
    Task.detached {
        let manager = OAuthManager(home: HermesHome(path: NSTemporaryDirectory() + "hermes-cycles-\(getpid())"))
        let environment = ProcessInfo.processInfo.environment
        // One warm-up cycle of each kind first, so lazily created runtime descriptors are not counted.
        var before = -1
        var sessions = 0, tools = 0, failures: [String] = []
        for i in -4..<count {
            if i == 0 { before = descriptors() }
            switch (i + 4) % 4 {
            case 0:
                let config = MCPServerConfig(name: "cycle", raw: .map([ConfigPair(key: "command", value: .string(python)),
                                                                      ConfigPair(key: "args", value: .list([.string(mcpServer)]))]))
                let task = MCPServerTask(config: config, manager: manager, environment: environment, backoff: [])
                do {
                    let connection = try await task.connection()
                    if i >= 0 { sessions += 1; tools += connection.tools.count }
                } catch {
                    failures.append("\(error)")
                }
                await task.shutdown()
            case 1:
                // Ignores SIGTERM, ignores closed stdin, and starts a setsid grandchild doing the same.
                do { _ = try StdioProcess.spawn(command: python, args: [stubborn], environment: environment, stderrLog: nil).shutdown(grace: 0.1) } catch { failures.append("\(error)") }
            case 2:
                do { _ = try StdioProcess.spawn(command: "/bin/sh", args: ["-c", "trap '' TERM; sleep 60 & cat; wait"], environment: environment, stderrLog: nil).shutdown(grace: 0.1) } catch { failures.append("\(error)") }
            default:
                do { _ = try StdioProcess.spawn(command: "/bin/cat", args: [], environment: environment, stderrLog: nil).shutdown(grace: 0.1) } catch { failures.append("\(error)") }
            }
        }
        print("cycles \(count) sessions \(sessions) tools \(tools) fds-before \(before) fds-after \(descriptors()) failures \(failures.count) \(failures.first ?? "")")
        done.signal()
    }
    done.wait()
case "tsan-canary":
    // Run by the ThreadSanitizer suite: `unguarded` must be reported (the sanitizer is live),
    // `mutex` shows why `Locked` exists, `locked` must not be reported.
    guard args.count == 3, ["locked", "mutex", "unguarded"].contains(args[2]) else { fail("usage: tsan-canary locked|mutex|unguarded") }
    final class Counter: @unchecked Sendable { var value = 0 }
    let counter = Counter()
    let locked = Locked(0)
    let mutex = Mutex(0)
    let mode = args[2]
    let threads = (0..<4).map { _ in
        Thread {
            for _ in 0..<20_000 {
                switch mode {
                case "locked": locked.withLock { _ in counter.value += 1 }
                case "mutex": mutex.withLock { _ in counter.value += 1 }
                default: counter.value += 1
                }
            }
        }
    }
    threads.forEach { $0.start() }
    while !threads.allSatisfy(\.isFinished) { usleep(1000) }
    print("total \(locked.withLock { _ in counter.value })")
case "spawn-stdio":
    // Starts a stdio server, prints its pid, and idles: the test then kills this process hard.
    guard args.count >= 3 else { fail("usage: spawn-stdio COMMAND ARGS...") }
    do {
        let child = try StdioProcess.spawn(command: args[2], args: Array(args.dropFirst(3)),
                                           environment: ProcessInfo.processInfo.environment, stderrLog: nil)
        print("child \(child.pid)")
        fflush(nil)
        Thread.sleep(forTimeInterval: 300)
    } catch { fail("\(error)") }
default:
    fail("unknown helper command")
}
