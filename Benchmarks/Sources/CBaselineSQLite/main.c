// Baseline for the SQLite wrapper benchmark: the same single-row committed insert loop in C
// (WAL, synchronous=NORMAL, one prepared statement, one transaction per row), and the same
// 64-row transactions CoreBench's connection_batch64 cells run, with and without a SAVEPOINT per
// row (what WriteBatcher does per writeBatched body), to separate SQLite's own savepoint cost
// from the wrapper's.
// Usage: CBaselineSQLite [path] [rows=20000]; a warm-up of rows/10 rows runs before each loop;
// the batch loops insert rows*5 rows, like CoreBench. Prints "name rows/s-wall rows/s-cpu"
// (CPU = process CPU time).
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

// CPU time of the whole process: unlike wall time, not inflated while other processes run.
static double cpu(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static sqlite3 *db;
static sqlite3_stmt *begin, *insert, *commit, *savepoint, *release;
static const char *payload = "{\"type\":\"echo\",\"input\":\"hello world\"}";

static int run(sqlite3_stmt *statement) {
    int rc = sqlite3_step(statement);
    sqlite3_reset(statement);
    if (rc != SQLITE_DONE) { fprintf(stderr, "%s\n", sqlite3_errmsg(db)); exit(1); }
    return rc;
}

static void insert_row(void) {
    sqlite3_bind_text(insert, 1, "client-01", -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(insert, 2, payload, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(insert, 3, 900);
    run(insert);
}

static void open_db(const char *path) {
    char wal[4096], shm[4096];
    snprintf(wal, sizeof wal, "%s-wal", path);
    snprintf(shm, sizeof shm, "%s-shm", path);
    unlink(path); unlink(wal); unlink(shm);
    // Same open flags as the Swift wrapper (Sources/SQLite/Connection.swift): no SQLite mutexes.
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI;
    if (sqlite3_open_v2(path, &db, flags, NULL) != SQLITE_OK) exit(1);
    sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;", 0, 0, 0);
    sqlite3_exec(db, "CREATE TABLE job(id INTEGER PRIMARY KEY, client TEXT NOT NULL, payload TEXT NOT NULL, ttl INTEGER)", 0, 0, 0);
    sqlite3_prepare_v2(db, "BEGIN IMMEDIATE", -1, &begin, 0);
    sqlite3_prepare_v2(db, "INSERT INTO job(client, payload, ttl) VALUES (?, ?, ?)", -1, &insert, 0);
    sqlite3_prepare_v2(db, "COMMIT", -1, &commit, 0);
    sqlite3_prepare_v2(db, "SAVEPOINT sp1", -1, &savepoint, 0);
    sqlite3_prepare_v2(db, "RELEASE SAVEPOINT sp1", -1, &release, 0);
}

static void close_db(const char *path) {
    sqlite3_finalize(begin); sqlite3_finalize(insert); sqlite3_finalize(commit);
    sqlite3_finalize(savepoint); sqlite3_finalize(release);
    sqlite3_close(db);
    unlink(path);
}

int main(int argc, char **argv) {
    const char *path = argc > 1 ? argv[1] : "/tmp/aitbc-bench-c.db";
    int rows = argc > 2 ? atoi(argv[2]) : 20000;

    open_db(path);
    double start = 0, start_cpu = 0;
    int warmup = rows / 10;
    for (int i = -warmup; i < rows; i++) {
        if (i == 0) { start = now(); start_cpu = cpu(); }
        run(begin);
        insert_row();
        run(commit);
    }
    printf("c.sqlite.single_row_commit %.0f %.0f\n", rows / (now() - start), rows / (cpu() - start_cpu));
    close_db(path);

    const int batch = 64;
    int batches = rows * 5 / batch;
    for (int savepoints = 1; savepoints >= 0; savepoints--) {
        open_db(path);
        for (int b = -batches / 10; b < batches; b++) {
            if (b == 0) { start = now(); start_cpu = cpu(); }
            run(begin);
            for (int i = 0; i < batch; i++) {
                if (savepoints) run(savepoint);
                insert_row();
                if (savepoints) run(release);
            }
            run(commit);
        }
        double n = (double)batches * batch;
        printf("c.sqlite.batch64_%s %.0f %.0f\n", savepoints ? "savepoint" : "plain", n / (now() - start), n / (cpu() - start_cpu));
        close_db(path);
    }
    return 0;
}
