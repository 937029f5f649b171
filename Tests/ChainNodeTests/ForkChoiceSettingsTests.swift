import ChainNode
import Foundation
import Ledger
import ServiceRuntime
import TestSupport
import Testing

/// `MAX_CLOCK_DRIFT_MS` and `MAX_REORG_DEPTH`: defaults, values read, out-of-range values refused by name.
@Suite struct ForkChoiceSettingsTests {
    static func configuration(_ environment: [String: String]) throws -> ChainNodeConfiguration {
        let fixture = try ChainFixture()
        let genesisPath = fixture.directory.path("genesis.json")
        try Data(fixture.genesis.fileBytes).write(to: URL(fileURLWithPath: genesisPath))
        return try ChainNodeConfiguration(reader: ConfigurationReader(environment: environment.merging(["CHAIN_GENESIS": genesisPath]) { $1 }))
    }

    @Test func theDefaultsAreTwoSecondsAndSixteenBlocks() throws {
        #expect(try Self.configuration([:]).forkChoice == Chain.ForkChoiceSettings(maxClockDriftMilliseconds: 2_000, maxReorgDepth: 16))
        let set = try Self.configuration(["MAX_CLOCK_DRIFT_MS": "500", "MAX_REORG_DEPTH": "0"]).forkChoice
        #expect(set == Chain.ForkChoiceSettings(maxClockDriftMilliseconds: 500, maxReorgDepth: 0))
    }

    @Test(arguments: [("MAX_CLOCK_DRIFT_MS", "-1", "0...600000"), ("MAX_CLOCK_DRIFT_MS", "600001", "0...600000"), ("MAX_REORG_DEPTH", "ten", "0...10000")])
    func outOfRangeValuesAreRefusedByName(setting: String, value: String, range: String) {
        #expect(throws: ConfigurationError.invalid(setting: setting, reason: "must be an integer in \(range)")) {
            _ = try Self.configuration([setting: value])
        }
    }
}
