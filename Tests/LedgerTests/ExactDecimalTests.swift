import JSON
import Ledger
import Testing

/// Minting multiplies the decimal a receipt shows, not its binary64 value.
@Suite struct ExactDecimalTests {
    static func product(_ units: JSONValue, _ multiplier: UInt64) -> UInt64? {
        ExactDecimal(json: units)?.multipliedRoundingDown(by: multiplier)
    }

    @Test func twelveAndAHalfTimesAThousandIsTwelveThousandFiveHundred() {
        #expect(Self.product(.float(12.5), 1_000) == 12_500)
    }

    @Test func zeroPointTwentyNineTimesAHundredIsTwentyNineNotTwentyEight() {
        // In binary64, 0.29 × 100 = 28.999999999999996.
        #expect(0.29 * 100.0 < 29)
        #expect(Self.product(.float(0.29), 100) == 29)
    }

    @Test func scientificNotationIsExact() {
        #expect(Self.product(.float(1e-05), 1_000_000) == 10)
        #expect(Self.product(.float(1.25e17), 1) == 125_000_000_000_000_000)
        #expect(ExactDecimal(text: "1e-05") == ExactDecimal(significand: 1, exponent: -5))
        #expect(ExactDecimal(text: "1.25e+17") == ExactDecimal(significand: 125, exponent: 15))
    }

    @Test func integersAndZeroMultiplyExactly() {
        #expect(Self.product(.integer(JSONInteger(7)), 1_000) == 7_000)
        #expect(Self.product(.integer(JSONInteger(0)), 1_000) == 0)
        #expect(Self.product(.float(0.0), 1_000) == 0)
        #expect(Self.product(.float(2.0), 1_000) == 2_000)
    }

    @Test func productsRoundDown() {
        #expect(Self.product(.float(0.0015), 1_000) == 1)
        #expect(Self.product(.float(0.0009), 1_000) == 0)
        #expect(ExactDecimal(significand: 5, exponent: -2).multipliedRoundingDown(by: 12_345) == 617)  // 617.25
    }

    @Test func overflowIsNil() {
        #expect(Self.product(.integer(JSONInteger(Int64.max)), 2) == nil)
        #expect(Self.product(.integer(JSONInteger(Int64.max)), 1) == UInt64(Int64.max))
        #expect(Self.product(.float(1e30), 1) == nil)
        #expect(Self.product(.float(9.3e18), 1) == nil)
        #expect(ExactDecimal(significand: .max, exponent: 0).multipliedRoundingDown(by: .max) == nil)
        #expect(ExactDecimal(significand: 1, exponent: 400).multipliedRoundingDown(by: 1) == nil)
        #expect(ExactDecimal(significand: 1, exponent: 3).multipliedRoundingDown(by: 5, limit: 4_999) == nil)
        #expect(ExactDecimal(significand: 1, exponent: 3).multipliedRoundingDown(by: 5, limit: 5_000) == 5_000)
    }

    @Test func negativesNonNumbersAndHugeIntegersAreNotDecimals() {
        #expect(ExactDecimal(json: .float(-0.5)) == nil)
        #expect(ExactDecimal(json: .integer(JSONInteger(-1))) == nil)
        #expect(ExactDecimal(json: .string("1")) == nil)
        #expect(ExactDecimal(json: .null) == nil)
        #expect(ExactDecimal(json: .integer(JSONInteger("99999999999999999999") ?? JSONInteger(0))) == nil)
        #expect(ExactDecimal(text: "1.2.3") == nil)
        #expect(ExactDecimal(text: "") == nil)
        #expect(ExactDecimal(text: "-1") == nil)
        #expect(ExactDecimal(text: "1e999") == nil)
    }

    @Test func negativeZeroIsZero() {
        // Receipts accept -0.0 as units ≥ 0; the mint must read it too (it mints nothing).
        #expect(ExactDecimal(json: .float(-0.0)) == ExactDecimal(significand: 0, exponent: 0))
        #expect(Self.product(.float(-0.0), 1_000) == 0)
    }

    @Test func atMostOneIsExactNotRounded() {
        for (text, expected) in [
            ("0", true), ("0.0", true), ("1", true), ("1.0", true), ("1.000", true), ("0.05", true), ("1e-20", true), ("1e-400", true),
            ("0.999999999999999999", true), ("1.0000000000001", false), ("1.000000000000000001", false), ("2", false), ("10e-1", true),
            ("11e-1", false), ("1e+1", false),
        ] {
            #expect(ExactDecimal(text: text)?.isAtMostOne == expected, "\(text)")
        }
    }

    @Test func equalityIsByValueNotBySpelling() {
        // A work claim may say `2` where the receipt says `2.0`: the same units.
        #expect(ExactDecimal(json: .integer(JSONInteger(2))) == ExactDecimal(json: .float(2.0)))
        #expect(ExactDecimal(significand: 50, exponent: -3) == ExactDecimal(significand: 5, exponent: -2))
        #expect(ExactDecimal(significand: 0, exponent: -4) == ExactDecimal(significand: 0, exponent: 2))
        #expect(ExactDecimal(significand: 5, exponent: -2) != ExactDecimal(significand: 5, exponent: -3))
        #expect(ExactDecimal(json: .float(12.5)) != ExactDecimal(json: .float(12.25)))
    }
}
