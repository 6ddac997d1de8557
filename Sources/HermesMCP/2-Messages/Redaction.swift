import Foundation

/// Credentials out of error text before it reaches a model or a log: hermes-agent's patterns
/// (`ghp_…`, `sk-…`, `Bearer …`, `token=`, `key=`, `API_KEY=`, `password=`, `secret=`).
public enum Redaction {
    private static let patterns: [NSRegularExpression] = [
        #"ghp_[A-Za-z0-9_]+"#, #"sk-[A-Za-z0-9_\-]+"#, #"(?i)bearer\s+[A-Za-z0-9._~+/=\-]+"#,
        #"(?i)(token|key|api_key|password|secret)=[^\s&"',;]+"#,
    ].map { try! NSRegularExpression(pattern: $0) }

    public static func redact(_ text: String) -> String {
        var out = text
        for p in patterns {
            out = p.stringByReplacingMatches(in: out, range: NSRange(out.startIndex..., in: out), withTemplate: "[REDACTED]")
        }
        return out
    }
}
