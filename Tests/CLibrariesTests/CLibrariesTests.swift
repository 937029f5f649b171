import CArgon2
import CSQLite
import CSodium
import CZlib
import Testing

/// One call into each system library proves its module map, pkg-config entry and link line.
@Suite struct CLibrariesTests {
    @Test func sqliteOpensInMemoryDatabase() {
        var db: OpaquePointer?
        #expect(sqlite3_open(":memory:", &db) == SQLITE_OK)
        #expect(sqlite3_exec(db, "CREATE TABLE t(x); INSERT INTO t VALUES (1);", nil, nil, nil) == SQLITE_OK)
        #expect(sqlite3_changes(db) == 1)
        sqlite3_close(db)
    }

    @Test func sodiumHashesEmptyInput() {
        #expect(sodium_init() >= 0)
        var out = [UInt8](repeating: 0, count: Int(crypto_hash_sha256_BYTES))
        #expect(crypto_hash_sha256(&out, nil, 0) == 0)
        // SHA-256("") begins e3b0c442.
        #expect(Array(out.prefix(4)) == [0xe3, 0xb0, 0xc4, 0x42])
    }

    @Test func argon2idHashesAKnownInput() {
        let password = Array("password".utf8)
        let salt = Array("somesaltsomesalt".utf8)
        var out = [UInt8](repeating: 0, count: 32)
        let rc = argon2id_hash_raw(2, 1 << 10, 1, password, password.count, salt, salt.count, &out, out.count)
        #expect(rc == Int32(ARGON2_OK.rawValue))
        #expect(out != [UInt8](repeating: 0, count: 32))
    }

    @Test func zlibCompressesAndRestores() {
        let input = [UInt8](repeating: 0x61, count: 1000)
        var compressed = [UInt8](repeating: 0, count: Int(compressBound(UInt(input.count))))
        var compressedLength = UInt(compressed.count)
        #expect(compress(&compressed, &compressedLength, input, UInt(input.count)) == Z_OK)
        #expect(compressedLength < 100)
        var restored = [UInt8](repeating: 0, count: input.count)
        var restoredLength = UInt(restored.count)
        #expect(uncompress(&restored, &restoredLength, compressed, compressedLength) == Z_OK)
        #expect(restored == input)
    }
}
