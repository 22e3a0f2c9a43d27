-- Frontline schema, version 6: zones, households, visits and hand-overs (issue 6).

-- A responsibility zone: a part of a branch's area (a building, a grid cell, a street).
-- Names are unique within the branch, so an import can find a zone again by its name.
CREATE TABLE zones (
    id          INTEGER PRIMARY KEY,
    branch_id   INTEGER NOT NULL REFERENCES branches(id) ON DELETE CASCADE,
    name        TEXT    NOT NULL,
    created_at  TEXT    NOT NULL,
    UNIQUE (branch_id, name)
);

-- A household in a zone, with the member responsible for reaching it (and a backup).
-- (zone_id, label) is the household's identity: re-importing a file updates by it.
-- `vulnerable` (elderly living alone, home quarantine, ...) makes it due every day;
-- the import sets it from keywords in the notes (see bot/households.py).
CREATE TABLE households (
    id              INTEGER PRIMARY KEY,
    zone_id         INTEGER NOT NULL REFERENCES zones(id) ON DELETE CASCADE,
    label           TEXT    NOT NULL,               -- door plate, e.g. "3-402"
    address         TEXT    NOT NULL DEFAULT '',    -- shown only to its members and secretaries
    people          INTEGER NOT NULL CHECK (people > 0),
    notes           TEXT    NOT NULL DEFAULT '',
    -- NULL only after the member left: the household then shows up as nobody's.
    responsible_id  INTEGER REFERENCES members(id) ON DELETE SET NULL,
    backup_id       INTEGER REFERENCES members(id) ON DELETE SET NULL,
    vulnerable      INTEGER NOT NULL DEFAULT 0 CHECK (vulnerable IN (0, 1)),
    created_at      TEXT    NOT NULL,
    updated_at      TEXT    NOT NULL,
    UNIQUE (zone_id, label)
);
CREATE INDEX households_responsible ON households(responsible_id);
CREATE INDEX households_backup ON households(backup_id) WHERE backup_id IS NOT NULL;

-- A contact with a household, logged by a member with /visit.
CREATE TABLE visits (
    id            INTEGER PRIMARY KEY,
    household_id  INTEGER NOT NULL REFERENCES households(id) ON DELETE CASCADE,
    member_id     INTEGER REFERENCES members(id) ON DELETE SET NULL,
    outcome       TEXT    NOT NULL
                  CHECK (outcome IN ('well', 'needs_help', 'no_answer', 'refused')),
    note          TEXT,
    at            TEXT    NOT NULL
);
-- Coverage asks for each household's latest visit.
CREATE INDEX visits_household_at ON visits(household_id, at);

-- A household handed (temporarily) from its responsible member to another while the
-- first is unwell, quarantined or away; open while returned_at is NULL.
CREATE TABLE handovers (
    id            INTEGER PRIMARY KEY,
    household_id  INTEGER NOT NULL REFERENCES households(id) ON DELETE CASCADE,
    from_member   INTEGER REFERENCES members(id) ON DELETE SET NULL,
    to_member     INTEGER REFERENCES members(id) ON DELETE SET NULL,
    at            TEXT    NOT NULL,
    returned_at   TEXT
);
-- At most one open hand-over per household.
CREATE UNIQUE INDEX handovers_open ON handovers(household_id) WHERE returned_at IS NULL;
CREATE INDEX handovers_to_open ON handovers(to_member) WHERE returned_at IS NULL;
