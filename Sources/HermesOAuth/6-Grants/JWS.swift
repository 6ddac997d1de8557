/// Compact JWS (RFC 7515 §7.1) with the key's algorithm: client assertions and DPoP proofs.
public enum JWS {
    public static func sign(header: [String: JSONValue], claims: [String: JSONValue], key: SigningKey) throws(SigningKey.Problem) -> String {
        var header = header
        header["alg"] = .string(key.algorithm.rawValue)
        let input = Base64URL.encode(JSONValue.object(header).serialized()) + "." + Base64URL.encode(JSONValue.object(claims).serialized())
        return input + "." + Base64URL.encode(try key.sign(Array(input.utf8)))
    }
}
