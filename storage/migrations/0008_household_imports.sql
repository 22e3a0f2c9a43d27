-- Frontline schema, version 8: a household import written in short pieces (issue 10).

-- One import of a households file. Its checked rows are first copied, in pieces, into
-- household_import_rows ('staging'); once every row is there one short transaction decides
-- the import ('applying'), and its rows are applied to households in pieces, `applied`
-- counting how many (by seq), until it is 'done'. Opening the database finishes an import
-- left 'applying' by a process that died, and throws away one it left 'staging' (nobody was
-- told that one was imported). `owner_pid` is the process writing it: while that process
-- lives, nobody else touches its import.
CREATE TABLE household_imports (
    id          INTEGER PRIMARY KEY,
    branch_id   INTEGER NOT NULL REFERENCES branches(id) ON DELETE CASCADE,
    state       TEXT    NOT NULL DEFAULT 'staging'
                CHECK (state IN ('staging', 'applying', 'done')),
    owner_pid   INTEGER NOT NULL,
    actor_id    INTEGER,                      -- who asked for it; NULL: the command line
    file        TEXT    NOT NULL DEFAULT '',
    staged      INTEGER NOT NULL DEFAULT 0,   -- rows copied so far
    applied     INTEGER NOT NULL DEFAULT 0,   -- rows (seq 0 .. applied - 1) written to households
    created     INTEGER NOT NULL DEFAULT 0,
    updated     INTEGER NOT NULL DEFAULT 0,
    at          TEXT    NOT NULL              -- when it was asked for: the households' stamps
);
CREATE INDEX household_imports_unfinished ON household_imports(state) WHERE state != 'done';

-- The rows of an import, numbered from 0 in the file's order (the columns in the order of
-- storage.households.HouseholdInput); deleted once it is done.
-- No foreign key: they are deleted in pieces, and start-up deletes any left behind.
CREATE TABLE household_import_rows (
    import_id       INTEGER NOT NULL,
    seq             INTEGER NOT NULL,
    zone            TEXT    NOT NULL,
    label           TEXT    NOT NULL,
    address         TEXT    NOT NULL,
    people          INTEGER NOT NULL,
    notes           TEXT    NOT NULL,
    responsible_id  INTEGER NOT NULL,
    vulnerable      INTEGER NOT NULL,
    backup_id       INTEGER,
    PRIMARY KEY (import_id, seq)
) WITHOUT ROWID;
