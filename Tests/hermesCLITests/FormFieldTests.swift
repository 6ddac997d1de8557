import MCP
import Testing
@testable import hermes

/// How the terminal reads an elicitation form's fields (MCP 2025-11-25 / 2026-07-28 schema) and
/// checks an answer before it is sent, without a terminal (ElicitationFormCLITests plays one).
@Suite struct FormFieldTests {
    func field(_ schema: [String: Value], required: Bool = true) throws -> FormField {
        try #require(FormField(name: "f", schema: schema, required: required))
    }

    @Test func stringLengthAndFormats() throws {
        let name = try field(["type": "string", "minLength": 2, "maxLength": 4])
        #expect(name.read("a") == .invalid("At least 2 characters."))
        #expect(name.read("abcde") == .invalid("At most 4 characters."))
        #expect(name.read("abc") == .value("abc"))
        #expect(name.hint == "string, 2 to 4 characters")

        let email = try field(["type": "string", "format": "email"])
        for good in ["a@b.co", "first.last+tag@mail.example.org"] { #expect(email.read(good) == .value(.string(good))) }
        for bad in ["a", "a@b", "@b.co", "a@@b.co", "a@b..co", "a b@c.co", "a@b.co."] {
            #expect(email.read(bad) == .invalid("Not a valid email address."), "\(bad)")
        }
        let uri = try field(["type": "string", "format": "uri"])
        for good in ["https://example.com/x?y", "mailto:a@b.co", "urn:isbn:123"] { #expect(uri.read(good) == .value(.string(good))) }
        for bad in ["example.com", "https://", "1http://x", ":x", "http://a b"] { #expect(uri.read(bad) != .value(.string(bad)), "\(bad)") }

        let date = try field(["type": "string", "format": "date"])
        for good in ["2024-02-29", "2026-07-28"] { #expect(date.read(good) == .value(.string(good))) }
        for bad in ["2023-02-29", "2026-13-01", "2026-7-28", "26-07-28", "2026-07-28T00:00:00Z", "+026-07-28"] {
            #expect(date.read(bad) != .value(.string(bad)), "\(bad)")
        }
        let moment = try field(["type": "string", "format": "date-time"])
        for good in ["2026-07-28T14:30:00Z", "2026-07-28t14:30:00.123+02:00", "2026-07-28T23:59:60-05:00"] {
            #expect(moment.read(good) == .value(.string(good)), "\(good)")
        }
        for bad in ["2026-07-28", "2026-07-28T14:30Z", "2026-07-28T24:00:00Z", "2026-07-28T14:30:00", "2026-07-28T14:30:00.Z"] {
            #expect(moment.read(bad) != .value(.string(bad)), "\(bad)")
        }
    }

    @Test func numberBounds() throws {
        let age = try field(["type": "integer", "minimum": 18, "maximum": 130])
        #expect(age.read("17") == .invalid("At least 18."))
        #expect(age.read("131") == .invalid("At most 130."))
        #expect(age.read("18") == .value(.int(18)))
        #expect(age.read("18.5") == .invalid("Not a valid integer."))
        #expect(age.hint == "integer 18 to 130")
        let ratio = try field(["type": "number", "maximum": 1.5], required: false)
        #expect(ratio.read("1.6") == .invalid("At most 1.5."))
        #expect(ratio.read("inf") == .invalid("Not a valid number."))
        #expect(ratio.read("0.25") == .value(.double(0.25)))
        #expect(ratio.hint == "number of at most 1.5, optional")
        let copies = try field(["type": "integer", "default": 1])
        #expect(copies.hint == "integer, default 1")
    }

    @Test func singleSelectInEveryForm() throws {
        let plain = try field(["type": "string", "enum": ["s", "m", "l"]])
        #expect(plain.choices.map(\.title) == ["s", "m", "l"])
        let legacy = try field(["type": "string", "enum": ["s", "m", "l"], "enumNames": ["Small", "Medium", "Large"]])
        #expect(legacy.choices.map(\.title) == ["Small", "Medium", "Large"])
        let titled = try field(["type": "string", "default": "#f00",
                                "oneOf": [["const": "#f00", "title": "Red"], ["const": "#0f0", "title": "Green"]]])
        let anyOf = try field(["type": "string", "anyOf": [["const": "#f00", "title": "Red"], ["const": "#0f0", "title": "Green"]]])
        #expect(titled.choices == anyOf.choices)
        for f in [titled, anyOf] {
            // The title, its number, the const, or the title in another case; the const is sent.
            for answer in ["Green", "2", "#0f0", "green"] { #expect(f.read(answer) == .value("#0f0"), "\(answer)") }
            #expect(f.read("3") == .invalid("Not one of the choices."))
            #expect(f.read("purple") == .invalid("Not one of the choices."))
        }
        #expect(titled.hint == "1-2 or a name, default Red")
        #expect(legacy.read("Medium") == .value("m") && legacy.read("l") == .value("l"))
    }

    @Test func multiSelect() throws {
        let tags = try field(["type": "array", "minItems": 1, "maxItems": 2, "items": ["type": "string", "enum": ["red", "green", "blue"]]])
        #expect(tags.kind == .choices)
        #expect(tags.read("1, blue") == .value(.array(["red", "blue"])))
        #expect(tags.read("1,1") == .value(.array(["red"])))
        #expect(tags.read("1,2,3") == .invalid("Choose at most 2."))
        #expect(tags.read(",") == .invalid("Choose at least 1."))
        #expect(tags.read("red, pink") == .invalid("'pink' is not one of the choices."))
        #expect(tags.hint == "numbers or names, comma-separated, 1 to 2 of them")
        let pets = try field(["type": "array", "items": ["anyOf": [["const": "c", "title": "Cat"], ["const": "d", "title": "Dog"]]]], required: false)
        #expect(pets.read("Dog, cat") == .value(.array(["d", "c"])))
        #expect(pets.display(.array(["d", "c"])) == "Dog, Cat")
        // An array of anything else is not a field MCP forms have.
        #expect(FormField(name: "x", schema: ["type": "array", "items": ["type": "string"]], required: false) == nil)
    }

    @Test func aLongListIsNarrowedByLetters() throws {
        let many = (1...40).map { Value.string("item \($0)") }
        let f = try field(["type": "string", "enum": .array(many)])
        #expect(f.read("item 4") == .value("item 4"))
        #expect(f.read("40") == .value("item 40"))
        #expect(f.read("m 3") == .matches([2] + Array(29...38)))
        let tooMany = (0...FormField.maxChoices).map { Value.string("\($0)") }
        #expect(FormField(name: "x", schema: ["type": "string", "enum": .array(tooMany)], required: true) == nil)
    }

    @Test func whatIsShownIsCleaned() throws {
        let f = try field(["type": "string", "oneOf": [["const": "x", "title": "Bad\u{1B}[2Jtitle"]]])
        #expect(f.display("x") == "Bad\\u{1B}[2Jtitle")
    }

    @Test func punycodeAndNonASCIIHostsAreFlagged() {
        #expect(TerminalElicitation.isInternationalized(host: "exаmple.com", url: "https://xn--exmple-4nf.com/a"))
        #expect(TerminalElicitation.isInternationalized(host: "例え.jp", url: "https://例え.jp/"))
        #expect(TerminalElicitation.isInternationalized(host: "a.XN--p1ai", url: "https://user@a.XN--p1ai:8443/"))
        #expect(!TerminalElicitation.isInternationalized(host: "example.com", url: "https://example.com/xn--not-the-host"))
    }

    /// Limits no answer meets make a field hermes does not ask (it would fail three times); a
    /// default is offered only when the field would take it; titles stay with their own values.
    @Test func impossibleLimitsBadDefaultsAndShiftedTitles() throws {
        #expect(FormField(name: "f", schema: ["type": "string", "minLength": 5, "maxLength": 2], required: true) == nil)
        #expect(FormField(name: "f", schema: ["type": "number", "minimum": 9, "maximum": 1], required: true) == nil)
        #expect(FormField(name: "f", schema: ["type": "array", "items": ["enum": ["a", "b"]], "minItems": 3], required: true) == nil)
        #expect(try field(["type": "integer", "minimum": 1, "maximum": 5, "default": 9]).fallback == nil)
        #expect(try field(["type": "integer", "minimum": 1, "maximum": 5, "default": 3]).fallback == .int(3))
        #expect(try field(["type": "string", "enum": ["a", "b"], "default": "z"]).fallback == nil)
        let titled = try field(["type": "string", "enum": ["a", 7, "c"], "enumNames": ["Alpha", "Seven", "Charlie"]])
        #expect(titled.choices.map(\.value) == ["a", "c"])
        #expect(titled.choices.map(\.title) == ["Alpha", "Charlie"])
    }
}
