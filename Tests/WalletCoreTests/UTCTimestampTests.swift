import Testing
import WalletCore

@Suite struct UTCTimestampTests {
    @Test(arguments: [
        (Int64(0), "1970-01-01T00:00:00Z"), (1_735_689_600, "2025-01-01T00:00:00Z"), (951_825_599, "2000-02-29T11:59:59Z"),
        (4_102_444_799, "2099-12-31T23:59:59Z"), (-1, "1969-12-31T23:59:59Z"),
    ])
    func formatsWholeSecondsInUTC(seconds: Int64, text: String) {
        #expect(UTCTimestamp.format(seconds: seconds) == text)
    }
}
