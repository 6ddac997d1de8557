import Foundation

/// A throw-away certificate authority made with the `openssl` CLI, and server certificates it
/// signs. Everything lives in a temporary directory that goes with the value.
public final class ThrowAwayCA: @unchecked Sendable {
    public let dir = TemporaryDirectory("hermes-ca")
    public var certificate: String { dir.file("ca.pem") }

    public init() async throws {
        try await Self.openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                          "-keyout", dir.file("ca.key"), "-out", certificate, "-days", "2", "-subj", "/CN=hermes throw-away test CA",
                          "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"])
    }

    /// A server certificate for `altNames` (subjectAltName entries such as `IP:127.0.0.1`).
    public func issue(_ name: String, altNames: [String]) async throws -> (cert: String, key: String) {
        let key = dir.file("\(name).key"), csr = dir.file("\(name).csr"), cert = dir.file("\(name).pem")
        try dir.write("\(name).ext", """
            subjectAltName=\(altNames.joined(separator: ","))
            basicConstraints=CA:FALSE
            keyUsage=critical,digitalSignature
            extendedKeyUsage=serverAuth

            """)
        try await Self.openssl(["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                          "-keyout", key, "-out", csr, "-subj", "/CN=\(name)"])
        try await Self.openssl(["x509", "-req", "-in", csr, "-CA", certificate, "-CAkey", dir.file("ca.key"), "-set_serial",
                          String(UInt32.random(in: 2...UInt32.max)), "-days", "2", "-out", cert, "-extfile", dir.file("\(name).ext")])
        return (cert, key)
    }

    /// A CA directory in `openssl rehash` layout (`<hash>.0` links), as SSL_CERT_DIR expects.
    public func hashedDirectory() async throws -> String {
        let path = dir.file("hashed")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: certificate, toPath: path + "/hermes-test-ca.pem")
        try await Self.openssl(["rehash", path])
        guard try FileManager.default.contentsOfDirectory(atPath: path).contains(where: { $0.hasSuffix(".0") }) else {
            throw ProgramError(description: "openssl rehash made no <hash>.0 link in \(path)")
        }
        return path
    }

    public static func openssl(_ args: [String]) async throws {
        let result = try await run("/usr/bin/openssl", args, timeout: 30)
        guard result.status == 0 else { throw ProgramError(description: "openssl \(args.first ?? ""): \(result.stderr)") }
    }
}
