// Baseline for the SQLite wrapper benchmark: the same single-row committed insert loop in C
// (WAL, synchronous=NORMAL, one prepared statement, one transaction per row).
// Usage: CBaselineSQLite [path] [rows=20000]; a warm-up of rows/10 committed rows runs first.
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    const char *path = argc > 1 ? argv[1] : "/tmp/aitbc-bench-c.db";
    int rows = argc > 2 ? atoi(argv[2]) : 20000;
    unlink(path);
    sqlite3 *db;
    // Same open flags as the Swift wrapper (Sources/SQLite/Connection.swift): no SQLite mutexes.
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI;
    if (sqlite3_open_v2(path, &db, flags, NULL) != SQLITE_OK) return 1;
    sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;", 0, 0, 0);
    sqlite3_exec(db, "CREATE TABLE job(id INTEGER PRIMARY KEY, client TEXT NOT NULL, payload TEXT NOT NULL, ttl INTEGER)", 0, 0, 0);
    sqlite3_stmt *begin, *insert, *commit;
    sqlite3_prepare_v2(db, "BEGIN IMMEDIATE", -1, &begin, 0);
    sqlite3_prepare_v2(db, "INSERT INTO job(client, payload, ttl) VALUES (?, ?, ?)", -1, &insert, 0);
    sqlite3_prepare_v2(db, "COMMIT", -1, &commit, 0);
    const char *payload = "{\"type\":\"echo\",\"input\":\"hello world\"}";

    double start = 0;
    int warmup = rows / 10;
    for (int i = -warmup; i < rows; i++) {
        if (i == 0) start = now();
        sqlite3_step(begin); sqlite3_reset(begin);
        sqlite3_bind_text(insert, 1, "client-01", -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(insert, 2, payload, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(insert, 3, 900);
        if (sqlite3_step(insert) != SQLITE_DONE) { fprintf(stderr, "%s\n", sqlite3_errmsg(db)); return 1; }
        sqlite3_reset(insert);
        if (sqlite3_step(commit) != SQLITE_DONE) { fprintf(stderr, "%s\n", sqlite3_errmsg(db)); return 1; }
        sqlite3_reset(commit);
    }
    double elapsed = now() - start;
    printf("c.sqlite.single_row_commit %.0f\n", rows / elapsed);
    sqlite3_finalize(begin); sqlite3_finalize(insert); sqlite3_finalize(commit);
    sqlite3_close(db);
    unlink(path);
    return 0;
}
