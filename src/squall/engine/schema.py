"""The engine's tables, once per backend.

Five tables carry every primitive:

* ``records``  — (ns, key) → value; the primary key is the ordered index that
  range scans walk (SQLite: ``WITHOUT ROWID`` so the rows live in the key's
  B-tree; PostgreSQL: ``COLLATE "C"`` so keys compare bytewise like SQLite).
* ``items``    — leased queue items. ``seq`` is a global increasing number
  (SQLite's rowid / a PostgreSQL identity) that gives FIFO order. Indexes:
  (queue, id) unique, (queue, visible_at) for standard leases and stats,
  (queue, seq) for FIFO order and peeks, (queue, grp, visible_at) for the
  FIFO "is this group blocked" probe. On SQLite ``items.queue`` is the
  queue's integer ``qid`` from ``queues (qid, name)`` (a row per queue name
  ever enqueued to, never deleted): a small integer in four indexes instead of
  a ~50-character name makes an insert ~40 % cheaper. PostgreSQL keeps the name.
* ``log_heads`` / ``logs`` / ``checkpoints`` — partitioned logs; the head row
  per (log, partition) is the sequence counter, so sequence numbers never go
  back even after a trim and concurrent appenders serialize on that row.
* ``timers``   — named due-time work, with the lease token of the last claim.

The statements are idempotent (``IF NOT EXISTS``) so every start runs them.
"""

from __future__ import annotations

SQLITE_SCHEMA = """
CREATE TABLE IF NOT EXISTS queues (qid INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS records (
    ns TEXT NOT NULL, key TEXT NOT NULL, value BLOB NOT NULL,
    PRIMARY KEY (ns, key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS items (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    queue INTEGER NOT NULL, id TEXT NOT NULL, body BLOB NOT NULL, grp TEXT,
    enqueued_at REAL NOT NULL, visible_at REAL NOT NULL,
    receive_count INTEGER NOT NULL DEFAULT 0, first_received_at REAL, lease_token TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS items_id ON items (queue, id);
CREATE INDEX IF NOT EXISTS items_due ON items (queue, visible_at);
CREATE INDEX IF NOT EXISTS items_seq ON items (queue, seq);
CREATE INDEX IF NOT EXISTS items_grp ON items (queue, grp, visible_at) WHERE grp IS NOT NULL;
CREATE TABLE IF NOT EXISTS log_heads (
    log TEXT NOT NULL, part TEXT NOT NULL, last_seq INTEGER NOT NULL,
    PRIMARY KEY (log, part)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS logs (
    log TEXT NOT NULL, part TEXT NOT NULL, seq INTEGER NOT NULL, at REAL NOT NULL, data BLOB NOT NULL,
    PRIMARY KEY (log, part, seq)
);
CREATE INDEX IF NOT EXISTS logs_at ON logs (log, at);
CREATE TABLE IF NOT EXISTS checkpoints (
    log TEXT NOT NULL, consumer TEXT NOT NULL, part TEXT NOT NULL, seq INTEGER NOT NULL,
    PRIMARY KEY (log, consumer, part)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS timers (
    name TEXT PRIMARY KEY, due REAL NOT NULL, payload BLOB NOT NULL, lease_token TEXT
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS timers_due ON timers (due);
"""

PG_SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
    ns TEXT COLLATE "C" NOT NULL, key TEXT COLLATE "C" NOT NULL, value BYTEA NOT NULL,
    PRIMARY KEY (ns, key)
);
CREATE TABLE IF NOT EXISTS items (
    seq BIGINT GENERATED ALWAYS AS IDENTITY,
    queue TEXT COLLATE "C" NOT NULL, id TEXT COLLATE "C" NOT NULL, body BYTEA NOT NULL,
    grp TEXT COLLATE "C",
    enqueued_at DOUBLE PRECISION NOT NULL, visible_at DOUBLE PRECISION NOT NULL,
    receive_count INTEGER NOT NULL DEFAULT 0, first_received_at DOUBLE PRECISION, lease_token TEXT,
    PRIMARY KEY (queue, id)
);
CREATE INDEX IF NOT EXISTS items_due ON items (queue, visible_at, seq);
CREATE INDEX IF NOT EXISTS items_seq ON items (queue, seq);
CREATE INDEX IF NOT EXISTS items_grp ON items (queue, grp, visible_at) WHERE grp IS NOT NULL;
CREATE TABLE IF NOT EXISTS log_heads (
    log TEXT COLLATE "C" NOT NULL, part TEXT COLLATE "C" NOT NULL, last_seq BIGINT NOT NULL,
    PRIMARY KEY (log, part)
);
CREATE TABLE IF NOT EXISTS logs (
    log TEXT COLLATE "C" NOT NULL, part TEXT COLLATE "C" NOT NULL, seq BIGINT NOT NULL,
    at DOUBLE PRECISION NOT NULL, data BYTEA NOT NULL,
    PRIMARY KEY (log, part, seq)
);
CREATE INDEX IF NOT EXISTS logs_at ON logs (log, at);
CREATE TABLE IF NOT EXISTS checkpoints (
    log TEXT COLLATE "C" NOT NULL, consumer TEXT COLLATE "C" NOT NULL, part TEXT COLLATE "C" NOT NULL,
    seq BIGINT NOT NULL,
    PRIMARY KEY (log, consumer, part)
);
CREATE TABLE IF NOT EXISTS timers (
    name TEXT COLLATE "C" PRIMARY KEY, due DOUBLE PRECISION NOT NULL, payload BYTEA NOT NULL,
    lease_token TEXT
);
CREATE INDEX IF NOT EXISTS timers_due ON timers (due);
"""


def pg_statements() -> list[str]:
    """PG_SCHEMA split into single statements (psycopg runs one per execute with params)."""
    return [s.strip() for s in PG_SCHEMA.split(";") if s.strip()]
