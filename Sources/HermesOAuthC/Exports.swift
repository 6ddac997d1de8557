import Glibc
import HermesOAuth

// The C API of libhermesoauth.so, declared in include/hermesoauth.h. Each function only converts
// arguments and results; the behaviour lives in the Swift types they call.

/// Static storage for hermes_version(): a C string that lives as long as the library.
nonisolated(unsafe) private let versionCString: UnsafePointer<CChar> = UnsafePointer(strdup(HermesVersion.string)!)

@c public func hermes_version() -> UnsafePointer<CChar> {
    versionCString
}

@c public func hermes_pkce_pair(
    _ verifier: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
    _ challenge: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
) -> Int32 {
    verifier?.pointee = nil
    challenge?.pointee = nil
    guard let verifier, let challenge else {
        return LastError.fail(.invalidArgument, "hermes_pkce_pair: verifier and challenge must not be NULL")
    }
    let pair: PKCEPair
    do { pair = try PKCEPair.generate() } catch {
        return LastError.fail(.io, "hermes_pkce_pair: \(error)")
    }
    guard let v = strdup(pair.verifier), let c = strdup(pair.challenge) else {
        return LastError.fail(.io, "hermes_pkce_pair: out of memory")
    }
    verifier.pointee = v
    challenge.pointee = c
    return HermesStatus.ok.rawValue
}

@c public func hermes_free(_ p: UnsafeMutableRawPointer?) {
    free(p)
}

@c public func hermes_last_error() -> UnsafePointer<CChar>? {
    LastError.current
}
