import Foundation
import HermesOAuth

/// Every parser that reads input someone else controls, as one fuzz entry point each. Beyond "no
/// crash", each checks a property that must hold for any input.
enum FuzzTarget: String, CaseIterable {
    case callback          // the loopback listener's request head, and a pasted redirect address
    case wwwAuthenticate = "www-authenticate"
    case metadataJSON = "metadata-json"   // discovery documents, registration and token responses
    case tokenFile = "token-file"         // the on-disk reader, through a real file
    case dotenv                           // .env and ${VAR} interpolation
    case configYAML = "config-yaml"
    case jwt                              // workload and identity tokens read without verification; JWS hermes signs
    case tokenExchange = "token-exchange" // an identity provider's RFC 8693 answer carrying an ID-JAG
    case dpopNonce = "dpop-nonce"         // a DPoP-Nonce header a server sends, echoed in the next proof

    func run(_ data: Data) {
        switch self {
        case .callback:
            let request = CallbackRequest.parse(Array(data))
            _ = "\(request)"
            if let pasted = CallbackParameters(pasted: String(decoding: data, as: UTF8.self)) {
                _ = pasted.code
            }
        case .wwwAuthenticate:
            let text = String(decoding: data, as: UTF8.self)
            if let challenges = try? WWWAuthenticate.parse(text) {
                for challenge in challenges {
                    // Parameter names are matched case-insensitively, so they are stored lowered.
                    check(challenge.parameters.keys.allSatisfy { $0 == $0.lowercased() }, "parameter name not lowered")
                }
                check((try? WWWAuthenticate.challenge(text)) == (challenges.first(where: \.isBearer) ?? challenges.first(where: \.isDPoP)), "challenge() disagrees with parse()")
            }
        case .metadataJSON:
            guard let object = try? JSONObject.decode(data) else { return }
            _ = try? AuthorizationServerMetadata(json: object)
            _ = try? ProtectedResourceMetadata(json: object)
            _ = try? ClientRegistration(json: object)
            if let tokens = try? OAuthTokens(json: object, issuedAt: 1_700_000_000) {
                check(!tokens.accessToken.isEmpty, "empty access token accepted")
                // A token response is turned into the file form and asked its lifetime at once.
                _ = JSONObject.encode(tokens.json(now: 1_700_000_000))
                _ = tokens.expiresIn(now: 1_700_000_000)
                _ = tokens.isExpired(now: 1_700_000_000)
                check((0...OAuthTokens.longestRefreshMargin).contains(tokens.refreshMargin), "refresh margin out of range")
                _ = tokens.needsRefresh(now: 1_700_000_000)
            }
        case .tokenFile:
            TokenFileHarness.shared.read(data)
        case .dotenv:
            let text = String(decoding: data, as: UTF8.self)
            let entries = DotEnv.parse(text, environment: ["HOME": "/home/x"])
            var environment: [String: String] = [:]
            for entry in entries {
                check(DotEnv.isValidKey(entry.key), "invalid key \(entry.key) accepted")
                environment[entry.key] = entry.value
            }
            _ = Interpolation.expand(text, environment: environment)
        case .jwt:
            let text = String(decoding: data, as: UTF8.self)
            guard let token = try? UnverifiedJWT(text) else { return }
            check(text.utf8.count <= UnverifiedJWT.maxLength + 64 || text.trimmingCharacters(in: .whitespacesAndNewlines).utf8.count <= UnverifiedJWT.maxLength,
                  "a token over the bound was read")
            if let exp = token.expiresAt { check(exp.isFinite, "a non-finite exp was read") }
            // What hermes signs it reads back the same: the claims survive a JWS round trip.
            if let signed = try? JWS.sign(header: [:], claims: token.claims, key: Self.key), let again = try? UnverifiedJWT(signed) {
                check(again.claims == token.claims, "claims changed through sign and read")
                check(again.header["alg"] == .string("ES256"), "the signed header lost its alg")
            } else {
                check(false, "hermes could not sign or read back claims it had read")
            }
        case .tokenExchange:
            guard let answer = try? TokenExchangeResponse(body: data) else { return }
            check(answer.idJAG.utf8.allSatisfy { $0 == 0x2E || ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x2D || $0 == 0x5F },
                  "an ID-JAG outside base64url was accepted")
            check((try? UnverifiedJWT(answer.idJAG)) != nil, "an ID-JAG that is not a JWT was accepted")
        case .dpopNonce:
            let text = String(decoding: data, as: UTF8.self)
            guard let nonce = DPoPNonce.parse(text) else { return }
            check(nonce.utf8.count <= DPoPNonce.maxLength && nonce.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F && $0 != 0x22 && $0 != 0x5C },
                  "a nonce RFC 9449 forbids was accepted")
            // Echoed exactly, and only into the proof for the URL that sent it.
            let prover = DPoPProver(key: Self.key)
            let url = URL(string: "https://mcp.example/mcp?x=1")!
            prover.remember(nonce: text, for: url)
            let proof = try? UnverifiedJWT(try prover.proof(method: "POST", url: URL(string: "https://mcp.example/mcp")!, accessToken: "t"))
            check(proof?.claims["nonce"] == .string(nonce), "the nonce was not echoed as given")
            let other = try? UnverifiedJWT(try prover.proof(method: "POST", url: URL(string: "https://as.example/token")!))
            check(other?.claims["nonce"] == nil, "a nonce went to another URL")
        case .configYAML:
            guard let file = try? ConfigFile(path: "/fuzz/config.yaml", text: String(decoding: data, as: UTF8.self)) else { return }
            _ = file.servers(environment: ["X": "y"])
            // What hermes would write (or refuses to write), it must read back with the same
            // servers and the same entries.
            if let text = try? file.rewrittenText() {
                let again = try? ConfigFile(path: "/fuzz/config.yaml", text: text)
                check(again != nil, "rewritten config does not parse")
                check(again?.serverNames == file.serverNames, "server names changed on rewrite")
                for name in file.serverNames {
                    let before = file.rawServer(named: name).map(Self.meaning)
                    let after = again?.rawServer(named: name).map(Self.meaning)
                    check(before == after, "entry '\(name)' changed on rewrite: \(String(describing: before)) → \(String(describing: after)); rewritten text:\n\(text)")
                }
            }
        }
    }

    /// One P-256 key for the whole run: generating one per input would be most of the work.
    static let key = try! SigningKey.generateP256()

    /// What an entry means, without how it was spelled: a tag the serialiser drops (`!!foo x`
    /// becomes `x`) or an empty scalar written as null changes nothing hermes or hermes-agent reads.
    static func meaning(_ value: ConfigValue) -> ConfigValue {
        switch value {
        case .null: return .null
        case .string(let s), .scalar(let s):
            return s.isEmpty || s == "~" || s == "null" ? .null : .string(s)
        case .list(let items): return .list(items.map(meaning))
        case .map(let pairs): return .map(pairs.map { ConfigPair(key: $0.key, value: meaning($0.value)) })
        }
    }

    func check(_ condition: Bool, _ what: @autoclosure () -> String) {
        if !condition {
            FileHandle.standardError.write(Data("fuzz property violated (\(rawValue)): \(what())\n".utf8))
            abort()
        }
    }
}

/// Reads fuzz bytes through the real token-file path: written to files in a private home, then
/// read by `TokenStore` as hermes does at run time.
final class TokenFileHarness: @unchecked Sendable {
    static let shared = TokenFileHarness()
    let home: HermesHome
    let store: TokenStore

    private init() {
        let directory = NSTemporaryDirectory() + "hermes-fuzz-\(getpid())"
        try? FileManager.default.createDirectory(atPath: directory + "/mcp-tokens", withIntermediateDirectories: true)
        chmod(directory + "/mcp-tokens", 0o700)
        home = HermesHome(path: directory)
        store = TokenStore(home: home, serverName: "fuzz")
        atexit { try? FileManager.default.removeItem(atPath: NSTemporaryDirectory() + "hermes-fuzz-\(getpid())") }
    }

    func read(_ data: Data) {
        for name in ["fuzz.json", "fuzz.client.json", "fuzz.meta.json"] {
            _ = FileManager.default.createFile(atPath: home.path + "/mcp-tokens/" + name, contents: data, attributes: [.posixPermissions: 0o600])
        }
        if case .value(let tokens) = store.readTokens(now: 1_700_000_000) {
            _ = tokens.expiresIn(now: 1_700_000_000)
            _ = tokens.json(now: 1_700_000_000)
        }
        _ = store.readClient()
        _ = store.readMetadata()
    }
}
