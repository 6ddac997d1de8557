import Foundation
import HermesOAuth

/// One line about a token set, never showing a token.
enum TokenSummary {
    static func describe(_ tokens: OAuthTokens, now: Double = Date().timeIntervalSince1970) -> String {
        var parts: [String] = []
        if let left = tokens.expiresIn(now: now) {
            parts.append(left > 0 ? "expires in \(duration(left))" : "expired")
        } else {
            parts.append("no expiry given")
        }
        parts.append("scope: \(tokens.scope.map { ServerText.clean($0) } ?? "(none)")")
        parts.append(tokens.refreshToken == nil ? "no refresh token" : "refresh token held")
        return parts.joined(separator: ", ")
    }

    static func duration(_ seconds: Int) -> String {
        if seconds >= 86400 { return "\(seconds / 86400)d \(seconds % 86400 / 3600)h" }
        if seconds >= 3600 { return "\(seconds / 3600)h \(seconds % 3600 / 60)m" }
        if seconds >= 60 { return "\(seconds / 60)m" }
        return "\(seconds)s"
    }
}
