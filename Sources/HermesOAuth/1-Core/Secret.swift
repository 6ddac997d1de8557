/// How secrets appear wherever a person or a log can see them.
public enum Secret {
    /// At most the first and last four characters, and only when the secret is long enough that
    /// those eight reveal little: `abcd…wxyz`, or `***` for anything of 12 characters or fewer.
    public static func mask(_ secret: String?) -> String {
        guard let secret, !secret.isEmpty else { return "(none)" }
        guard secret.count > 12 else { return "***" }
        return "\(secret.prefix(4))…\(secret.suffix(4))"
    }
}
