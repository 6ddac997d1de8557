import Foundation
import HermesTestSupport
import Testing
@testable import HermesOAuth

/// JWS hermes signs (client assertions, DPoP proofs), checked by an independent implementation:
/// PyJWT and cryptography from the test venv verify the signatures and compute the thumbprints.
@Suite struct SigningTests {
    let dir = TemporaryDirectory("hermes-signing")

    /// Verifies `token` with PyJWT against the public JWK in `jwk` (or the key in PEM `pem`) and
    /// prints the claims and the RFC 7638 thumbprint of the JWK.
    func verify(_ token: String, jwk: [String: JSONValue]? = nil, pem: String? = nil) async throws -> (status: Int32, out: String, err: String) {
        let script = """
        import json, sys, jwt
        from jwt.algorithms import ECAlgorithm, RSAAlgorithm
        from cryptography.hazmat.primitives import serialization
        token, jwk, pem = sys.argv[1], sys.argv[2], sys.argv[3]
        header = jwt.get_unverified_header(token)
        if jwk:
            k = json.loads(jwk)
            alg = ECAlgorithm(ECAlgorithm.SHA256) if k["kty"] == "EC" else RSAAlgorithm(RSAAlgorithm.SHA256)
            key = alg.from_jwk(k)
            import hashlib, base64
            members = {"EC": ["crv", "kty", "x", "y"], "RSA": ["e", "kty", "n"]}[k["kty"]]
            canon = json.dumps({m: k[m] for m in members}, separators=(",", ":"), sort_keys=True)
            print("thumbprint", base64.urlsafe_b64encode(hashlib.sha256(canon.encode()).digest()).rstrip(b"=").decode())
        else:
            key = serialization.load_pem_private_key(pem.encode(), None).public_key()
        claims = jwt.decode(token, key, algorithms=[header["alg"]], options={"verify_aud": False, "verify_exp": False, "verify_iat": False})
        print("claims", json.dumps(claims, sort_keys=True))
        print("header", json.dumps(header, sort_keys=True))
        """
        let jwkText = jwk.map { JSONValue.object($0).serialized() } ?? ""
        let result = try await run(try Peers.python, ["-c", script, token, jwkText, pem ?? ""])
        return (result.status, result.stdout, result.stderr)
    }

    @Test func es256ProofsVerifyAndTheThumbprintIsRFC7638s() async throws {
        let key = try SigningKey.generateP256()
        let prover = DPoPProver(key: key)
        let url = URL(string: "HTTPS://MCP.Example:8443/a/mcp?q=1#f")!
        let proof = try prover.proof(method: "post", url: url, accessToken: "tok-123")
        let header = try UnverifiedJWT(proof).header
        guard case .object(let jwk)? = header["jwk"] else { Issue.record("no jwk in \(header)"); return }
        #expect(jwk["d"] == nil, "the private key left in the proof")
        let checked = try await verify(proof, jwk: jwk)
        #expect(checked.status == 0, "\(checked.err)")
        #expect(checked.out.contains("thumbprint \(key.thumbprint)\n"), "\(checked.out) vs \(key.thumbprint)")
        #expect(checked.out.contains(#""typ": "dpop+jwt""#))
        #expect(checked.out.contains(#""htm": "POST""#))
        #expect(checked.out.contains(#""htu": "https://mcp.example:8443/a/mcp""#), "\(checked.out)")
        // ath: base64url(SHA-256("tok-123")), computed here by hand.
        let ath = Base64URL.encode(Crypto.sha256("tok-123"))
        #expect(checked.out.contains(#""ath": "\#(ath)""#))
        // Every proof is new.
        let again = try prover.proof(method: "POST", url: url, accessToken: "tok-123")
        #expect(try UnverifiedJWT(again).claims["jti"] != UnverifiedJWT(proof).claims["jti"])
    }

    @Test func anRS256KeyFromAPEMSignsClientAssertionsPyJWTAccepts() async throws {
        let pemPath = dir.file("rsa.pem")
        let gen = try await run("/usr/bin/env", ["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", pemPath])
        #expect(gen.status == 0, "\(gen.stderr)")
        chmod(pemPath, 0o600)
        let pem = try CredentialFile.read(pemPath, what: "test key", privateOnly: true)
        let key = try SigningKey(pem: pem, what: "test key")
        #expect(key.algorithm == .rs256)
        let assertion = try ClientAssertion.make(clientID: "svc", key: key, keyID: "k1", audience: "https://as.example", now: Date().timeIntervalSince1970)
        let checked = try await verify(assertion, pem: pem)
        #expect(checked.status == 0, "\(checked.err)")
        #expect(checked.out.contains(#""aud": "https://as.example""#) && checked.out.contains(#""iss": "svc""#) && checked.out.contains(#""sub": "svc""#))
        #expect(checked.out.contains(#""kid": "k1""#) && checked.out.contains(#""alg": "RS256""#))
    }

    @Test func aKeyOthersMayReadIsRefusedAndNamed() async throws {
        let pemPath = dir.file("open.pem")
        let key = try SigningKey.generateP256()
        try key.pem().write(toFile: pemPath, atomically: false, encoding: .utf8)
        chmod(pemPath, 0o644)
        #expect {
            _ = try CredentialFile.read(pemPath, what: "oauth.private_key", privateOnly: true)
        } throws: { "\($0)".contains("oauth.private_key \(pemPath): other users may read or change it (mode 0644); chmod 600 it") }
        chmod(pemPath, 0o600)
        #expect(try SigningKey(pem: CredentialFile.read(pemPath, what: "k", privateOnly: true), what: "k").thumbprint == key.thumbprint)
    }

    @Test(arguments: ["", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", "not a key"])
    func whatIsNotAKeyIsAClearError(_ text: String) {
        #expect { _ = try SigningKey(pem: text, what: "oauth.private_key /k.pem") } throws: { "\($0)".hasPrefix("oauth.private_key /k.pem is not a PEM private key") }
    }

    @Test func aP384KeyIsNeitherES256NorRS256() async throws {
        let pemPath = dir.file("p384.pem")
        let gen = try await run("/usr/bin/env", ["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384", "-out", pemPath])
        #expect(gen.status == 0)
        #expect { _ = try SigningKey(pem: String(contentsOfFile: pemPath, encoding: .utf8), what: "k") } throws: { "\($0)".contains("neither a P-256 (ES256) nor an RSA (RS256) key") }
    }

    @Test func nonceHeadersAreEchoedOnlyWhenRFC9449AllowsThem() {
        #expect(DPoPNonce.parse(" abc-DEF_123.~!# ") == "abc-DEF_123.~!#")
        for bad in ["", "a b", "a\"b", "a\\b", "é", String(repeating: "n", count: DPoPNonce.maxLength + 1), "a\r\nX-Injected: 1"] {
            #expect(DPoPNonce.parse(bad) == nil, "\(bad)")
        }
    }

    @Test func aJWTIsReadWithoutTrustAndBounded() throws {
        let claims = try UnverifiedJWT(Base64URL.encode(#"{"alg":"ES256"}"#) + "." + Base64URL.encode(#"{"exp":1700000000.5,"sub":"w"}"#) + ".sig")
        #expect(claims.expiresAt == 1_700_000_000.5)
        #expect(throws: UnverifiedJWT.Malformed.self) { try UnverifiedJWT("a.b") }
        #expect(throws: UnverifiedJWT.Malformed.self) { try UnverifiedJWT("e30.e30.x.y") }
        #expect(throws: UnverifiedJWT.Malformed.self) { try UnverifiedJWT(String(repeating: "A", count: UnverifiedJWT.maxLength + 1) + ".e30.x") }
        #expect(throws: UnverifiedJWT.Malformed.self) { try UnverifiedJWT("e30.W10.x") }  // claims are a list
    }
}
