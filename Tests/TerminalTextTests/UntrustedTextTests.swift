import Testing
import TerminalText

/// What a hostile server, configuration file or receipt could put on an operator's terminal.
@Suite struct UntrustedTextTests {
    @Test func escapeSequencesAndLineBreaksAreWrittenOutNotSent() {
        // ESC [2J clears the screen; CR/LF would forge a second log line.
        #expect(UntrustedText.display("a\u{1B}[2Jb\r\nc") == #"a\u{1B}[2Jb\u{D}\u{A}c"#)
        #expect(UntrustedText.display("del\u{7F}") == #"del\u{7F}"#)
    }

    @Test func bidiOverridesAndLineSeparatorsAreWrittenOut() {
        // U+202E reverses the text that follows it; U+2028 breaks a line.
        #expect(UntrustedText.display("file\u{202E}txt.exe") == #"file\u{202E}txt.exe"#)
        #expect(UntrustedText.display("a\u{2028}b") == #"a\u{2028}b"#)
    }

    @Test func printableTextPassesUnchanged() {
        #expect(UntrustedText.display("gpu-box-1 héllo 東京") == "gpu-box-1 héllo 東京")
    }

    @Test func longTextIsCutAtTheLimitWithAMark() {
        #expect(UntrustedText.display(String(repeating: "x", count: 10), limit: 4) == "xxxx…")
        #expect(UntrustedText.display(String(repeating: "y", count: 200)).unicodeScalars.count == UntrustedText.nameLimit + 1)
        #expect(UntrustedText.display("abcd", limit: 4) == "abcd")
    }
}

@Suite struct UntrustedURLTests {
    @Test func credentialsInAURLAreNeverEchoed() {
        #expect(UntrustedText.displayURL("http://user:secret@127.0.0.1:8011/v1") == "http://127.0.0.1:8011/v1")
        #expect(UntrustedText.displayURL("http://127.0.0.1:8011/v1?next=a@b") == "http://127.0.0.1:8011/v1?next=a@b")
    }
}
