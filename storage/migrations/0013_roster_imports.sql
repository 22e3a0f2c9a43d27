-- Frontline schema, version 13: a roster import written in short pieces (issue 13), as a
-- household import is (version 8; the mechanism is storage/staging.py).

-- One import of a roster file into a branch's subtree (`branch_id`: the top of the
-- importer's scope). Its checked changes are staged in roster_import_rows, decided, then
-- applied in pieces; `summary` holds what the check counted (new, updated, unchanged,
-- joined and not moved, skipped), for the audit log when a restart finishes it.
CREATE TABLE roster_imports (
    id          INTEGER PRIMARY KEY,
    branch_id   INTEGER NOT NULL REFERENCES branches(id) ON DELETE CASCADE,
    state       TEXT    NOT NULL DEFAULT 'staging'
                CHECK (state IN ('staging', 'applying', 'done')),
    owner_pid   INTEGER NOT NULL,
    actor_id    INTEGER,                      -- who asked for it; NULL: the command line
    file        TEXT    NOT NULL DEFAULT '',
    staged      INTEGER NOT NULL DEFAULT 0,
    applied     INTEGER NOT NULL DEFAULT 0,
    created     INTEGER NOT NULL DEFAULT 0,   -- people added to the roster
    updated     INTEGER NOT NULL DEFAULT 0,   -- roster rows and members updated
    summary     TEXT,                         -- JSON: the check's counts
    at          TEXT    NOT NULL
);
CREATE INDEX roster_imports_unfinished ON roster_imports(state) WHERE state != 'done';

-- The changes of an import, numbered from 0: a new person (roster_id and member_id NULL),
-- a waiting person to update (roster_id), or a member who joined, whose name, phone and
-- notes to update (member_id; branch and role are not applied to a member).
-- No foreign key: they are deleted in pieces, and start-up deletes any left behind.
CREATE TABLE roster_import_rows (
    import_id   INTEGER NOT NULL,
    seq         INTEGER NOT NULL,
    roster_id   INTEGER,
    member_id   INTEGER,
    branch_id   INTEGER NOT NULL,
    role        TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    phone       TEXT,
    notes       TEXT,
    PRIMARY KEY (import_id, seq)
) WITHOUT ROWID;
