import CHermesShims

/// SHA-256 and secure random bytes from OpenSSL libcrypto, the only cryptography hermes needs.
public enum Crypto {
    public static func sha256<Bytes: Sequence>(_ bytes: Bytes) -> [UInt8] where Bytes.Element == UInt8 {
        let input = Array(bytes)
        var out = [UInt8](repeating: 0, count: 32)
        let rc = input.withUnsafeBytes { raw in
            out.withUnsafeMutableBufferPointer { hermes_shim_sha256(raw.baseAddress, raw.count, $0.baseAddress) }
        }
        // EVP_Digest only fails when libcrypto cannot allocate; nothing sensible can continue then.
        precondition(rc == 0, "OpenSSL SHA-256 failed")
        return out
    }

    public static func sha256(_ string: String) -> [UInt8] { sha256(Array(string.utf8)) }

    public struct RandomFailure: Error, CustomStringConvertible {
        public var description: String { "OpenSSL's random generator failed" }
    }

    public static func randomBytes(_ count: Int) throws(RandomFailure) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        let rc = out.withUnsafeMutableBufferPointer { hermes_shim_random_bytes($0.baseAddress, $0.count) }
        guard rc == 0 else { throw RandomFailure() }
        return out
    }

    public static var openSSLVersion: String { String(cString: hermes_shim_openssl_version()) }

    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
