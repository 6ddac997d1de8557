import Foundation
import HermesTestSupport
import Testing

/// 100 connect-and-shutdown cycles of stdio servers in a process of their own (real MCP sessions
/// with the Python SDK server, servers that ignore SIGTERM and leave their group with a setsid
/// grandchild, servers that fork and ignore SIGTERM, well-behaved ones): afterwards no process of
/// any of them is alive anywhere, and the host holds exactly the descriptors it held before.
@Suite(.timeLimit(.minutes(5))) struct ProcessHygieneCampaignTests {
    @Test func hundredsOfStdioCyclesLeaveNoProcessAndNoDescriptor() async throws {
        let scale = max(1, Int(ProcessInfo.processInfo.environment["HERMES_CAMPAIGN_SCALE"] ?? "1") ?? 1)
        let cycles = 100 * scale
        let mark = "hermes-hygiene-\(UUID().uuidString)"
        var env = ProcessInfo.processInfo.environment
        env["HERMES_CAMPAIGN_MARK"] = mark
        let result = try await run(Build.product("hermes-test-helper"),
                             ["stdio-cycles", "\(cycles)", try Peers.python, Peers.script("plain_stdio_server.py"), Peers.script("stubborn_server.py")],
                             environment: env, timeout: 280)
        let fields = result.stdout.split(separator: " ").map(String.init)
        func value(_ key: String) -> Int? { fields.firstIndex(of: key).flatMap { Int(fields[$0 + 1]) } }
        #expect(result.status == 0, "\(result.stderr)")
        #expect(value("failures") == 0, "\(result.stdout)")
        #expect(value("sessions") == cycles / 4 && value("tools") == 3 * cycles / 4, "\(result.stdout)")
        #expect(value("fds-before") != nil && value("fds-before") == value("fds-after"), "\(result.stdout)")
        // Anything still carrying the mark in its environment escaped the teardown.
        try await Task.sleep(for: .milliseconds(300))
        let survivors = ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).filter { entry in
            guard Int32(entry) != nil, let environ = FileManager.default.contents(atPath: "/proc/\(entry)/environ") else { return false }
            let state = (try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8))?.split(separator: " ").dropFirst(2).first
            return state != "Z" && String(decoding: environ, as: UTF8.self).contains(mark)
        }
        for pid in survivors { kill(Int32(pid)!, SIGKILL) }
        #expect(survivors.isEmpty, "left alive: \(survivors)")
        print("CAMPAIGN process-hygiene: \(cycles) cycles (a quarter each: MCP sessions, SIGTERM-ignoring setsid forkers, forking shells, plain); sessions completed \(value("sessions") ?? -1), failures \(value("failures") ?? -1); survivors \(survivors.count); descriptors \(value("fds-before") ?? -1) before, \(value("fds-after") ?? -1) after")
    }
}
