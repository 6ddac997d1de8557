import Foundation

/// Which certificate authorities an HTTPS exchange trusts. A slot left nil falls back to the
/// process's `SSL_CERT_FILE` / `SSL_CERT_DIR`, then to libcurl's system bundle and directory, so
/// each setting replaces only its own default, as OpenSSL's variables do.
public struct TLSTrust: Sendable, Equatable {
    /// A PEM bundle (`ssl_ca:` naming a file, or `ssl_verify: /path/ca.pem` as httpx reads it).
    public var caFile: String?
    /// A directory in `openssl rehash` layout (`ssl_ca:` naming a directory).
    public var caDirectory: String?
    /// false only for a server configured with `ssl_verify: false`, which OAuth servers refuse.
    public var verify: Bool

    public init(caFile: String? = nil, caDirectory: String? = nil, verify: Bool = true) {
        self.caFile = caFile
        self.caDirectory = caDirectory
        self.verify = verify
    }

    /// `ssl_ca:` (or a CA path in `ssl_verify:`) as a trust: a directory becomes `caDirectory`,
    /// anything else `caFile` (a missing file is reported by the request that needs it).
    public init(caPath: String, verify: Bool = true) {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: caPath, isDirectory: &isDirectory), isDirectory.boolValue {
            self.init(caDirectory: caPath, verify: verify)
        } else {
            self.init(caFile: caPath, verify: verify)
        }
    }

    /// Where libcurl looks, after the environment filled the open slots.
    func resolved(variable lookup: (String) -> String? = { getenv($0).map { String(cString: $0) } }) -> TLSTrust {
        func variable(_ name: String) -> String? { lookup(name).flatMap { $0.isEmpty ? nil : $0 } }
        return TLSTrust(caFile: caFile ?? variable("SSL_CERT_FILE"), caDirectory: caDirectory ?? variable("SSL_CERT_DIR"),
                        verify: verify)
    }

    /// The trust in words, for an error that says which CAs were tried.
    var summary: String {
        var parts: [String] = []
        if let caFile { parts.append("CA file \(caFile)") }
        if let caDirectory { parts.append("CA directory \(caDirectory)") }
        return parts.isEmpty ? "the system's CA certificates" : parts.joined(separator: " and ")
    }
}
