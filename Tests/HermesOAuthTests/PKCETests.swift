import Testing
@testable import HermesOAuth

@Suite struct PKCETests {
    @Test func rfc7636AppendixBVector() throws {
        let pair = try PKCEPair(verifier: "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")
        #expect(pair.challenge == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")
        #expect(PKCEPair.method == "S256")
    }

    @Test func sha256KnownVectors() {
        #expect(Crypto.hex(Crypto.sha256("")) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(Crypto.hex(Crypto.sha256("abc")) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test func generatedPairsAreWellFormedAndFresh() throws {
        var seen = Set<String>()
        for _ in 0..<500 {
            let pair = try PKCEPair.generate()
            #expect(pair.verifier.count == 43)
            try PKCEPair.validate(verifier: pair.verifier)
            #expect(pair.challenge == PKCEPair.challenge(for: pair.verifier))
            #expect(pair.challenge.count == 43)
            #expect(!pair.challenge.contains("=") && !pair.challenge.contains("+") && !pair.challenge.contains("/"))
            #expect(seen.insert(pair.verifier).inserted)
        }
    }

    @Test(arguments: [43, 64, 100, 128])
    func everyAllowedLengthCanBeGenerated(length: Int) throws {
        let pair = try PKCEPair.generate(length: length)
        #expect(pair.verifier.count == length)
    }

    @Test func lengthsAndCharactersOutsideTheRFCAreRejected() {
        #expect(throws: PKCEPair.Failure.invalidLength(42)) { try PKCEPair.generate(length: 42) }
        #expect(throws: PKCEPair.Failure.invalidLength(129)) { try PKCEPair.generate(length: 129) }
        #expect(throws: PKCEPair.Failure.invalidLength(42)) { try PKCEPair(verifier: String(repeating: "a", count: 42)) }
        #expect(throws: PKCEPair.Failure.invalidCharacter) { try PKCEPair(verifier: String(repeating: "a", count: 42) + "+") }
        #expect(throws: PKCEPair.Failure.invalidCharacter) { try PKCEPair(verifier: String(repeating: "é", count: 43)) }
    }

    @Test func randomBytesAreNotConstant() throws {
        let a = try Crypto.randomBytes(32), b = try Crypto.randomBytes(32)
        #expect(a.count == 32 && a != b)
        #expect(try Crypto.randomBytes(0).isEmpty)
    }
}
