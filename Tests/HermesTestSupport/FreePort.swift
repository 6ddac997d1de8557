import Foundation
import Glibc

/// A loopback TCP port that is free now and that the kernel will not hand out by itself: a port
/// taken with bind(0) and released comes from the ephemeral range, where any parallel test's next
/// outgoing connection can grab it before the code under test binds it again.
public enum FreePort {
    public static func outsideEphemeralRange() -> UInt16 {
        let low = ephemeralLow()
        let candidates = UInt16(10_000)..<UInt16(max(10_001, min(low, 32_768)))
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            let port = UInt16.random(in: candidates, using: &generator)
            if isFree(port) { return port }
        }
        fatalError("no free loopback port in \(candidates)")
    }

    private static func ephemeralLow() -> Int {
        let text = (try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8)) ?? ""
        return text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).first.flatMap { Int($0) } ?? 32_768
    }

    private static func isFree(_ port: UInt16) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }
}
