import Cryptography
import Ledger
import Testing
import WireModels

/// The bucketed state tree: updated in place it must give exactly the root of the sorted
/// account list built from scratch, whatever the order of inserts and updates.
@Suite struct StateTreeTests {
    /// The state root computed the slow, obvious way: leaves sorted by key hash, grouped by
    /// their first two bytes into 65,536 bucket roots, one Merkle root over those.
    static func referenceRoot(_ accounts: [AccountState]) -> [UInt8] {
        var buckets: [Int: [(key: [UInt8], leaf: [UInt8])]] = [:]
        for account in accounts {
            let key = account.address.accountAddress.keyHash
            var data = key
            for value in [account.balance, account.nonce] {
                for shift in stride(from: 56, through: 0, by: -8) { data.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
            }
            buckets[Int(key[0]) << 8 | Int(key[1]), default: []].append((key, Merkle.leafHash(data)))
        }
        let roots = (0..<65_536).map { index -> [UInt8] in
            guard let entries = buckets[index] else { return Merkle.emptyRoot }
            return Merkle.root(leafHashes: entries.sorted { $0.key.lexicographicallyPrecedes($1.key) }.map(\.leaf))
        }
        return Merkle.root(leafHashes: roots)
    }

    static func randomAccount(_ address: Address, _ generator: inout SeededGenerator) -> AccountState {
        AccountState(
            address: address, balance: UInt64.random(in: 0...UInt64(Int64.max), using: &generator),
            nonce: UInt64.random(in: 0...1_000, using: &generator))
    }

    static let addresses: [Address] = (0..<2_600).map { Keys.address(Keys.numbered($0)) }

    @Test func leafIsKeyHashBalanceAndNonceBigEndian() {
        let account = AccountState(address: Keys.address(Keys.alice), balance: 0x0102_0304_0506_0708, nonce: 9)
        #expect(account.leafData == Keys.address(Keys.alice).accountAddress.keyHash + [1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 0, 0, 0, 0, 9])
    }

    @Test func rootOfAFewAccountsMatchesTheReferenceComputation() {
        let accounts = [
            AccountState(address: Keys.address(Keys.alice), balance: 10, nonce: 1),
            AccountState(address: Keys.address(Keys.bob), balance: 0, nonce: 0),
        ]
        var tree = StateTree(accounts: accounts)
        #expect(tree.root == Self.referenceRoot(accounts))
        #expect(tree.count == 2)
        var empty = StateTree()
        #expect(empty.root == Self.referenceRoot([]))
        // A zero account, once present, is a leaf: its tree differs from one without it.
        var aliceOnly = StateTree(accounts: [accounts[0]])
        #expect(aliceOnly.root != tree.root)
    }

    @Test func incrementalUpdatesGiveTheRootBuiltFromScratch() {
        var generator = SeededGenerator(seed: 0x5EED_0001)
        var current: [Address: AccountState] = [:]
        for address in Self.addresses.prefix(2_000) { current[address] = Self.randomAccount(address, &generator) }
        var tree = StateTree(accounts: current.values)
        #expect(tree.root == Self.referenceRoot(Array(current.values)))
        // The sample must hold buckets with several accounts, or sorting inside one is untested.
        let prefixes = current.keys.map { Array($0.accountAddress.keyHash.prefix(2)) }
        #expect(Set(prefixes).count < prefixes.count)

        var nextNew = 2_000
        for round in 0..<5 {
            let existing = Array(current.keys)
            for _ in 0..<150 {
                let address = existing[Int.random(in: 0..<existing.count, using: &generator)]
                let account = Self.randomAccount(address, &generator)
                current[address] = account
                tree.update(account)
            }
            for _ in 0..<120 {
                let account = Self.randomAccount(Self.addresses[nextNew], &generator)
                nextNew += 1
                current[account.address] = account
                tree.update(account)
            }
            // Setting an account to what it already is changes nothing.
            if let same = current.values.first { tree.update(same) }
            if round == 2 {
                // Reading the root mid-way must not disturb later incremental updates.
                _ = tree.root
                let account = Self.randomAccount(existing[0], &generator)
                current[account.address] = account
                tree.update(account)
            }
            var scratch = StateTree(accounts: current.values)
            let root = tree.root
            #expect(root == scratch.root, "round \(round)")
            #expect(root == Self.referenceRoot(Array(current.values)), "round \(round)")
            #expect(tree.count == current.count)
        }
    }

    @Test func orderOfInsertionDoesNotMatter() {
        var generator = SeededGenerator(seed: 0x5EED_0002)
        let accounts = Self.addresses.prefix(600).map { Self.randomAccount($0, &generator) }
        var sorted = StateTree(accounts: accounts)
        var shuffled = StateTree(accounts: accounts.shuffled(using: &generator))
        var incremental = StateTree()
        for account in accounts.shuffled(using: &generator) { incremental.update(account) }
        var reversed = StateTree()
        for account in accounts.reversed() {
            reversed.update(account)
            _ = reversed.root
        }
        let root = sorted.root
        #expect(shuffled.root == root)
        #expect(incremental.root == root)
        #expect(reversed.root == root)
    }

    @Test func changingOneAccountChangesTheRoot() {
        let accounts = Self.addresses.prefix(50).map { AccountState(address: $0, balance: 100, nonce: 0) }
        var tree = StateTree(accounts: accounts)
        let before = tree.root
        tree.update(AccountState(address: accounts[7].address, balance: 100, nonce: 1))
        let nonceChanged = tree.root
        #expect(nonceChanged != before)
        tree.update(AccountState(address: accounts[7].address, balance: 100, nonce: 0))
        #expect(tree.root == before)
        tree.update(AccountState(address: accounts[7].address, balance: 101, nonce: 0))
        #expect(tree.root != before && tree.root != nonceChanged)
    }
}
