import JSON
import Testing

/// `JSONFloatText` against Python's `repr(float)` (the receipt reference's float text).
/// The expected strings were produced by CPython's repr for the listed bit patterns: spec
/// examples, random bit patterns (seed 20261127) and random decimals.
@Suite struct JSONFloatTextTests {
    static let pythonRepr: [(UInt64, String)] = [
        (0x3ff0000000000000, "1.0"),
        (0x4059000000000000, "100.0"),
        (0x3ff8000000000000, "1.5"),
        (0x3f1a36e2eb1c432d, "0.0001"),
        (0x3ee4f8b588e368f1, "1e-05"),
        (0x3e7ad7f29abcaf48, "1e-07"),
        (0x3df12e0be826d695, "2.5e-10"),
        (0x4341c37937e08000, "1e+16"),
        (0x430c6bf526340000, "1000000000000000.0"),
        (0x4340e0198eaee000, "9500000000000000.0"),
        (0x3fd3333333333334, "0.30000000000000004"),
        (0x419d6f34547e6b75, "123456789.12345679"),
        (0x437b69b4ba630f35, "1.2345678901234568e+17"),
        (0x7fefffffffffffff, "1.7976931348623157e+308"),
        (0x0000000000000001, "5e-324"),
        (0x0010000000000000, "2.2250738585072014e-308"),
        (0x3fb999999999999a, "0.1"),
        (0x3fd5555555555555, "0.3333333333333333"),
        (0x4340000000000000, "9007199254740992.0"),
        (0x4480f0cf064dd592, "1e+22"),
        (0x444b1ae4d6e2ef50, "1e+21"),
        (0x42dc12218377de66, "123456789012345.6"),
        (0x3f202e4b6ce5dc68, "0.00012345"),
        (0x42d6bcc41e8fffff, "99999999999999.98"),
        (0x4341c37937e07fff, "9999999999999998.0"),
        (0x3f50624dd2f1a9fc, "0.001"),
        (0xbfe0000000000000, "-0.5"),
        (0x81a56e1fc2f8f359, "-1e-300"),
        (0x97b1165f0971b7c4, "-1.462980312373184e-194"),
        (0xd13c513a42f8eda1, "-2.14887221083256e+83"),
        (0x8a8318174d645fa6, "-4.967444733350924e-258"),
        (0x25abd89bd67e4d92, "3.2137837932763184e-127"),
        (0x48a7c8252abc5619, "1.0358442265734499e+42"),
        (0x3cbb7daa64c184fa, "3.8151261663263933e-16"),
        (0xf15ce760f3e452f2, "-1.176337340099148e+238"),
        (0xeca9bad1449e78e4, "-2.7718043970410968e+215"),
        (0xcbc16f01162794bf, "-8.549417629074037e+56"),
        (0x76e9c8092966493d, "6.494601838434851e+264"),
        (0xf4d6d23508bd9d96, "-6.692576386377742e+254"),
        (0x29ec148cead50263, "9.565174737222938e-107"),
        (0x343a2c9fbed3e91c, "4.1698085557745604e-57"),
        (0x959575fe0a734d03, "-1.0695252496482799e-204"),
        (0xbdcdc219fe72c33b, "-5.4129867086933864e-11"),
        (0x7d791a3ca63cf5f9, "2.5651485333552566e+296"),
        (0xb79db4df2694e1f7, "-8.52535600801264e-41"),
        (0xcc9ff851b6ab9f1a, "-1.284345105324339e+61"),
        (0x0727d4dad921bf95, "3.441634034226505e-274"),
        (0x72488b810dfafe39, "3.2733200123737125e+242"),
        (0xef4d6ee6dda4dd1e, "-1.3945187805310274e+228"),
        (0xe14c1d7e84488709, "-4.940934138403662e+160"),
        (0xbc2c8e3e93afd954, "-7.740022367536776e-19"),
        (0xf9fc2f72a562d07c, "-3.997047593632806e+279"),
        (0x8b9b7cefad989a70, "-9.37318743744561e-253"),
        (0x4630de19bf77d38d, "1.336387399736463e+30"),
        (0xb25a55f4796ce0e9, "-3.907390761144547e-66"),
        (0x86ad910108d213b7, "-1.6679105865998446e-276"),
        (0x79c919c108050a4e, "4.4494890096961825e+278"),
        (0x3dbf2458c92830e1, "2.8323465597467276e-11"),
        (0x82e2e271c93de18f, "-9.240189227040617e-295"),
        (0x627e79c72b420dd8, "2.8079621346661803e+166"),
        (0x4087c813f045f6e0, "761.009735628697"),
        (0xe973d4d0d37e6749, "-9.487429747376489e+199"),
        (0x466b3aa827a0018a, "1.7258510440930825e+31"),
        (0x68b49734b70da03b, "2.4049563984911885e+196"),
        (0x233911c082f5e35d, "5.262898292683284e-139"),
        (0xa06bcdfe753340fd, "-1.6590132623248474e-152"),
        (0x3c51acd4e4479493, "3.832681452982717e-18"),
        (0xc53c9fd548740684, "-3.4604713597278623e+25"),
        (0x412da81b91da1d92, "971789.7848672143"),
        (0x40ea307bbed040c0, "53635.86704266211"),
        (0x41146dd8d318ab30, "334710.2061487911"),
        (0x4127841bf003db38, "770573.9687794214"),
        (0xc11c822b302d3310, "-467082.79704742227"),
        (0x41262aa076aa87ac, "726352.2317697904"),
        (0xc116bf1060758e1a, "-372676.09419843706"),
        (0xc129a807372bec16, "-840707.6077569749"),
        (0xc1243f0075c1a5e1, "-663424.2299930417"),
        (0xc12974c0e269ca81, "-834144.4422133715"),
        (0xc12d040990ee40c1, "-950788.7830677257"),
        (0x4114d72e82a9fb10, "341451.62760154996"),
        (0x4082c00000000000, "600.0"),
        (0x4089b26666666666, "822.3"),
        (0x4071583126e978d5, "277.512"),
        (0x40836c0000000000, "621.5"),
        (0x4027fa5119ce075f, "11.9889"),
        (0x40738a6dd4845133, "312.651814"),
        (0x40882f4b7564302b, "773.911845"),
        (0x4088611e1b089a02, "780.1397"),
    ]

    @Test(arguments: pythonRepr)
    func matchesPythonRepr(bits: UInt64, expected: String) {
        #expect(JSONFloatText.format(Double(bitPattern: bits)) == expected)
    }

    @Test func zeroAndNegativeZero() {
        #expect(JSONFloatText.format(0.0) == "0.0")
        #expect(JSONFloatText.format(-0.0) == "-0.0")
    }

    @Test func nonFiniteHasNoText() {
        #expect(JSONFloatText.format(.nan) == nil)
        #expect(JSONFloatText.format(.infinity) == nil)
        #expect(JSONFloatText.format(-.infinity) == nil)
    }

    /// Property: the text reads back to the same value, for many random bit patterns.
    @Test func roundTripsRandomBitPatterns() {
        var generator = SplitMix64(seed: 0x5EED_2026)
        for _ in 0..<20_000 {
            let value = Double(bitPattern: generator.next())
            guard value.isFinite else { continue }
            let text = JSONFloatText.format(value)
            #expect(text.flatMap { Double($0) }?.bitPattern == value.bitPattern, "seed 0x5EED_2026, value \(value)")
        }
    }
}

/// A tiny deterministic generator so property tests report a reproducible seed.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
