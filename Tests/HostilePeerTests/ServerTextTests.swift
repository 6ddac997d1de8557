import Foundation
import HermesOAuth
import Testing

/// The one sanitiser for server text (Sources/HermesOAuth/ServerText.swift) and the JSON writer
/// that shares its judgement.
@Suite struct ServerTextTests {
    @Test func controlAndFormatCharactersBecomeVisibleEscapes() {
        #expect(ServerText.clean("a\u{1B}[2Jb\u{07}c\u{7F}d\u{9B}e") == #"a\u{1B}[2Jb\u{7}c\u{7F}d\u{9B}e"#)
        #expect(ServerText.clean("x\u{202E}y\u{2066}z\u{200B}w\u{FEFF}v\u{E0041}") == #"x\u{202E}y\u{2066}z\u{200B}w\u{FEFF}v\u{E0041}"#)
        // Line breaks and tabs are spaces in a one-line message, kept by `lines` but for CR.
        #expect(ServerText.clean("one\ntwo\r\tthree\u{2028}four") == "one two  three four")
        #expect(ServerText.lines("one\ntwo\rthree") == "one\ntwo three")
        // Printable text of any script is left alone, and so is the joiner inside an emoji.
        #expect(ServerText.clean("héllo 工具 👩‍💻 ok") == "héllo 工具 👩‍💻 ok")
        #expect(ServerText.clean("a\u{200D}b") == #"a\u{200D}b"#)
        #expect(ServerText.isClean("https://example.com/a b") && !ServerText.isClean("a\u{9B}"))
    }

    @Test func urlsArePercentEncodedNotEscaped() {
        #expect(ServerText.url("https://h/a\u{1B}b c\u{202E}") == "https://h/a%1Bb%20c%E2%80%AE")
        #expect(ServerText.url("https://h/p?q=%1B&r=é") == "https://h/p?q=%1B&r=é")
    }

    @Test func jsonEscapesWhatTheTerminalWouldActOnAndKeepsTheData() throws {
        let value = "a\u{1B}b\u{9B}c\u{202E}d\u{E0041}e 工"
        let text = JSONValue.object(["v": .string(value)]).serialized()
        #expect(text == #"{"v":"a\u001bb\u009bc\u202ed\udb40\udc41e 工"}"#)
        #expect(try JSONObject.decode(Data(text.utf8))["v"]?.string == value)
    }
}
