import Foundation
import HermesOAuth
import MCP

/// What a pinned revision refused gets instead of a renegotiation: the pin is the user's to
/// change, so the message says what the server objected to and, when it said, what it speaks.
/// Final: asking again in the same revision gets the same answer.
public struct PinnedRevisionRefused: Error, CustomStringConvertible {
    let server: String
    let pinned: String
    let refusal: any Error

    public var description: String {
        let pin = "the pinned protocol_version \(ServerText.clipped(pinned, limit: 40))"
        let supported = (refusal as? RPCError)?.supportedVersions ?? []
        let why = ServerText.clipped(ServerText.clean(Redaction.redact("\(refusal)")), limit: 300)
        let speaks = supported.isEmpty ? "" : "; it speaks " + supported.prefix(8).map { ServerText.clipped($0, limit: 40) }.joined(separator: ", ")
        return "'\(server)' refused a request in \(pin) (\(why))\(speaks): change protocol_version to a revision it speaks, or remove it to let hermes negotiate"
    }
}
