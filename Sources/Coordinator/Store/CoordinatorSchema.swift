public import SQLite

/// The coordinator's tables (spec/coordinator.md §5 plus the Required additions), as
/// append-only migrations. Times are Unix milliseconds (INTEGER); JSON columns hold compact text.
public enum CoordinatorSchema {
    /// Every migration, oldest first. Never edit a shipped one; append.
    public static let migrator = Migrator([
        Migration(
            version: 1, name: "job, miner, jobreceipt, job_event",
            sql: """
                CREATE TABLE job(
                    id TEXT PRIMARY KEY NOT NULL,
                    client_id TEXT NOT NULL,
                    state TEXT NOT NULL DEFAULT 'QUEUED'
                        CHECK (state IN ('QUEUED','RUNNING','COMPLETED','FAILED','CANCELED','EXPIRED')),
                    payload TEXT NOT NULL,
                    constraints TEXT NOT NULL DEFAULT '{}',
                    ttl_seconds INTEGER NOT NULL,
                    requested_at INTEGER NOT NULL,
                    expires_at INTEGER NOT NULL,
                    assigned_miner_id TEXT,
                    started_at INTEGER,
                    completed_at INTEGER,
                    result TEXT,
                    result_ref TEXT,
                    result_hash TEXT,
                    metrics TEXT,
                    receipt TEXT,
                    receipt_id TEXT,
                    error TEXT,
                    attempts INTEGER NOT NULL DEFAULT 0,
                    idempotency_key TEXT,
                    request_hash TEXT
                );
                CREATE INDEX job_state_requested ON job(state, requested_at);
                CREATE INDEX job_requested ON job(requested_at);
                CREATE INDEX job_queued_expiry ON job(expires_at) WHERE state = 'QUEUED';
                CREATE INDEX job_client ON job(client_id);
                CREATE INDEX job_assigned ON job(assigned_miner_id) WHERE assigned_miner_id IS NOT NULL;
                CREATE INDEX job_receipt_id ON job(receipt_id) WHERE receipt_id IS NOT NULL;
                CREATE UNIQUE INDEX job_idempotency ON job(client_id, idempotency_key)
                    WHERE idempotency_key IS NOT NULL;

                CREATE TABLE miner(
                    id TEXT PRIMARY KEY NOT NULL,
                    region TEXT,
                    capabilities TEXT NOT NULL DEFAULT '{}',
                    concurrency INTEGER NOT NULL DEFAULT 1 CHECK (concurrency BETWEEN 1 AND 64),
                    status TEXT NOT NULL DEFAULT 'ONLINE' CHECK (status IN ('ONLINE','DRAINING','OFFLINE')),
                    inflight INTEGER NOT NULL DEFAULT 0 CHECK (inflight >= 0),
                    reported_inflight INTEGER NOT NULL DEFAULT 0,
                    extra_metadata TEXT NOT NULL DEFAULT '{}',
                    last_heartbeat INTEGER NOT NULL,
                    session_token TEXT,
                    public_key TEXT,
                    registered_at INTEGER NOT NULL,
                    last_job_at INTEGER,
                    jobs_completed INTEGER NOT NULL DEFAULT 0,
                    jobs_failed INTEGER NOT NULL DEFAULT 0,
                    total_job_duration_ms INTEGER NOT NULL DEFAULT 0,
                    average_job_duration_ms REAL NOT NULL DEFAULT 0,
                    last_receipt_id TEXT
                );
                CREATE INDEX miner_region ON miner(region);
                CREATE INDEX miner_status_heartbeat ON miner(status, last_heartbeat);

                CREATE TABLE jobreceipt(
                    id TEXT PRIMARY KEY NOT NULL,
                    job_id TEXT NOT NULL REFERENCES job(id),
                    receipt_id TEXT NOT NULL,
                    payload TEXT NOT NULL,
                    created_at INTEGER NOT NULL
                );
                CREATE INDEX jobreceipt_job ON jobreceipt(job_id);
                CREATE UNIQUE INDEX jobreceipt_receipt_id ON jobreceipt(receipt_id);
                CREATE INDEX jobreceipt_created ON jobreceipt(created_at);
                CREATE TRIGGER jobreceipt_append_only_update BEFORE UPDATE ON jobreceipt
                    BEGIN SELECT RAISE(ABORT, 'jobreceipt is append-only'); END;
                CREATE TRIGGER jobreceipt_append_only_delete BEFORE DELETE ON jobreceipt
                    BEGIN SELECT RAISE(ABORT, 'jobreceipt is append-only'); END;

                CREATE TABLE job_event(
                    id INTEGER PRIMARY KEY,
                    job_id TEXT NOT NULL,
                    from_state TEXT,
                    to_state TEXT NOT NULL,
                    at INTEGER NOT NULL,
                    actor TEXT NOT NULL,
                    detail TEXT
                );
                CREATE INDEX job_event_job ON job_event(job_id);
                CREATE TRIGGER job_event_append_only_update BEFORE UPDATE ON job_event
                    BEGIN SELECT RAISE(ABORT, 'job_event is append-only'); END;
                CREATE TRIGGER job_event_append_only_delete BEFORE DELETE ON job_event
                    BEGIN SELECT RAISE(ABORT, 'job_event is append-only'); END;
                """),
        // Write locality (issue 4): every index keyed by a random id puts each insert on a random
        // page, and each such page costs a 4 KiB WAL frame per commit. Jobs get an explicit
        // sequence number (`seq`, in submission order; not the implicit rowid, which VACUUM may
        // renumber in a table without an INTEGER PRIMARY KEY), and history rows find their job
        // by it (`job_seq`), so their index inserts land on its last pages. The two indexes no
        // query used are gone, the index of jobs by miner holds only RUNNING ones, and a signed
        // receipt is stored once, in `jobreceipt` (`job.receipt` stays NULL for new jobs).
        Migration(
            version: 2, name: "job sequence numbers for history rows; receipts stored once; fewer indexes",
            sql: """
                DROP INDEX job_client;
                DROP INDEX job_receipt_id;
                -- Only RUNNING jobs are ever looked up by miner (sweeper, heartbeat).
                DROP INDEX job_assigned;
                CREATE INDEX job_running_miner ON job(assigned_miner_id) WHERE state = 'RUNNING';

                ALTER TABLE job ADD COLUMN seq INTEGER;
                UPDATE job SET seq = rowid;
                CREATE UNIQUE INDEX job_seq ON job(seq);
                CREATE TRIGGER job_seq_required BEFORE INSERT ON job WHEN NEW.seq IS NULL
                    BEGIN SELECT RAISE(ABORT, 'job.seq is required'); END;

                ALTER TABLE job_event ADD COLUMN job_seq INTEGER;
                DROP TRIGGER job_event_append_only_update;
                UPDATE job_event SET job_seq = (SELECT seq FROM job WHERE job.id = job_event.job_id);
                CREATE TRIGGER job_event_append_only_update BEFORE UPDATE ON job_event
                    BEGIN SELECT RAISE(ABORT, 'job_event is append-only'); END;
                CREATE TRIGGER job_event_job_seq_required BEFORE INSERT ON job_event WHEN NEW.job_seq IS NULL
                    BEGIN SELECT RAISE(ABORT, 'job_event.job_seq is required'); END;
                DROP INDEX job_event_job;
                CREATE INDEX job_event_job_seq ON job_event(job_seq);

                ALTER TABLE jobreceipt ADD COLUMN job_seq INTEGER;
                DROP TRIGGER jobreceipt_append_only_update;
                UPDATE jobreceipt SET job_seq = (SELECT seq FROM job WHERE job.id = jobreceipt.job_id);
                -- A receipt found only in its job row (data not written by this code) gets its
                -- history row first; only copies that match a history row are emptied.
                INSERT INTO jobreceipt(id, job_id, job_seq, receipt_id, payload, created_at)
                    SELECT lower(hex(randomblob(16))), id, seq, receipt_id, receipt, COALESCE(completed_at, requested_at) FROM job
                    WHERE receipt IS NOT NULL AND receipt_id IS NOT NULL
                        AND NOT EXISTS (SELECT 1 FROM jobreceipt r WHERE r.receipt_id = job.receipt_id);
                UPDATE job SET receipt = NULL
                    WHERE receipt IS NOT NULL
                        AND EXISTS (SELECT 1 FROM jobreceipt r WHERE r.receipt_id = job.receipt_id AND r.payload = job.receipt);
                CREATE TRIGGER jobreceipt_append_only_update BEFORE UPDATE ON jobreceipt
                    BEGIN SELECT RAISE(ABORT, 'jobreceipt is append-only'); END;
                CREATE TRIGGER jobreceipt_job_seq_required BEFORE INSERT ON jobreceipt WHEN NEW.job_seq IS NULL
                    BEGIN SELECT RAISE(ABORT, 'jobreceipt.job_seq is required'); END;
                DROP INDEX jobreceipt_job;
                CREATE INDEX jobreceipt_job_seq ON jobreceipt(job_seq);
                """),
        // Fair, matching-independent claims and coordinator-decided billing (issue 10). Queued
        // jobs are grouped by (client, constraints) into `job_queue` rows that count their
        // QUEUED jobs; a claim looks only at non-empty queues the miner matches and at each
        // one's oldest job, so jobs a miner cannot run cost it nothing, and it serves clients in
        // turn. The counter changes with every transition into or out of QUEUED (the one place:
        // `CoordinatorStore.record`). The price per unit and the GPUs billed are fixed when the
        // job is assigned, from the assigned miner's registration, never from its result.
        Migration(
            version: 3, name: "job queues per client and constraints; billing facts fixed at assignment",
            sql: """
                CREATE TABLE job_queue(
                    id INTEGER PRIMARY KEY,
                    client_id TEXT NOT NULL,
                    constraints TEXT NOT NULL,
                    queued INTEGER NOT NULL DEFAULT 0 CHECK (queued >= 0),
                    UNIQUE (client_id, constraints)
                );
                CREATE INDEX job_queue_nonempty ON job_queue(client_id) WHERE queued > 0;

                ALTER TABLE job ADD COLUMN queue_id INTEGER REFERENCES job_queue(id);
                ALTER TABLE job ADD COLUMN unit_price REAL;
                ALTER TABLE job ADD COLUMN assigned_gpus INTEGER;

                INSERT OR IGNORE INTO job_queue(client_id, constraints)
                    SELECT client_id, constraints FROM job WHERE state IN ('QUEUED', 'RUNNING') ORDER BY seq;
                UPDATE job SET queue_id = (
                        SELECT q.id FROM job_queue q WHERE q.client_id = job.client_id AND q.constraints = job.constraints)
                    WHERE state IN ('QUEUED', 'RUNNING');
                UPDATE job_queue SET queued = (
                    SELECT COUNT(*) FROM job WHERE job.queue_id = job_queue.id AND job.state = 'QUEUED');
                CREATE INDEX job_queue_head ON job(queue_id, seq) WHERE state = 'QUEUED';
                CREATE TRIGGER job_queue_required BEFORE INSERT ON job WHEN NEW.queue_id IS NULL
                    BEGIN SELECT RAISE(ABORT, 'job.queue_id is required'); END;
                """),
        // Issue #10: the installation's principal-id key (defect 8: ids of keys without an
        // explicit id are an HMAC under it, so a receipt's `client`/`provider` no longer lets
        // anyone test guessed keys offline; the row is written at open, from the OS generator)
        // and the history of admin rotations of pinned miner keys (defect 9).
        Migration(
            version: 4, name: "installation secrets; miner key rotation history",
            sql: """
                CREATE TABLE coordinator_secret(
                    name TEXT PRIMARY KEY NOT NULL,
                    value BLOB NOT NULL
                );
                CREATE TABLE miner_key_event(
                    id INTEGER PRIMARY KEY,
                    miner_id TEXT NOT NULL,
                    old_key TEXT,
                    new_key TEXT NOT NULL,
                    actor TEXT NOT NULL,
                    at INTEGER NOT NULL
                );
                CREATE INDEX miner_key_event_miner ON miner_key_event(miner_id);
                CREATE TRIGGER miner_key_event_append_only_update BEFORE UPDATE ON miner_key_event
                    BEGIN SELECT RAISE(ABORT, 'miner_key_event is append-only'); END;
                CREATE TRIGGER miner_key_event_append_only_delete BEFORE DELETE ON miner_key_event
                    BEGIN SELECT RAISE(ABORT, 'miner_key_event is append-only'); END;
                """),
    ])
}
