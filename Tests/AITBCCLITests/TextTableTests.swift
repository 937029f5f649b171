@testable import AITBCCLI
import JSON
import Testing

/// Tables for people: aligned columns, `-` for null, coordinator text escaped.
@Suite struct TextTableTests {
    @Test func columnsAreAlignedWithoutTrailingSpaces() {
        let lines = WireText.table(
            [["job_id": "a1", "state": "QUEUED", "error": .null], ["job_id": "b22222", "state": "RUNNING", "error": "x"]],
            columns: ["job_id", "state", "error"])
        #expect(lines == ["JOB_ID  STATE    ERROR", "a1      QUEUED   -", "b22222  RUNNING  x"])
    }

    @Test func serviceTextIsEscapedAndCut() {
        let lines = WireText.table([["name": "evil\u{1B}[2Jname\nnext", "n": 42]], columns: ["name", "n"])
        #expect(lines[1] == #"evil\u{1B}[2Jname\u{A}next  42"#)
        let long = WireText.table([["name": .string(String(repeating: "x", count: 100))]], columns: ["name"])
        #expect(long[1] == String(repeating: "x", count: 64) + "…")
    }

    @Test func fieldsAreNameValueLines() {
        let lines = WireText.fields(["job_id": "abc", "assigned_miner_id": .null, "ttl": 5], ["job_id", "assigned_miner_id", "ttl"])
        #expect(lines == ["job_id             abc", "assigned_miner_id  -", "ttl                5"])
    }
}
