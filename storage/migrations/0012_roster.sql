-- Frontline schema, version 12: the organization's roster (名册), personal join links, branches
-- that can be renamed, moved and archived, and the names of the tree's levels (issue 13).
--
-- A person is in exactly one place at a time: listed in `roster` until they join (no Telegram
-- account is known yet), then a member (`members` + `memberships`). Joining by a personal link
-- copies the roster's name, phone and notes onto the member and marks the roster row claimed
-- (`member_id`, `claimed_at`), so that a secretary can see who claimed it and undo it.

-- The organization's name for a member (from the roster, or corrected by a secretary): shown
-- instead of Telegram's name when set. Phone as the roster gives it, normalised (+ and digits).
-- Notes: the roster's free columns, a JSON object.
ALTER TABLE members ADD COLUMN name TEXT;
ALTER TABLE members ADD COLUMN phone TEXT;
ALTER TABLE members ADD COLUMN notes TEXT;
CREATE INDEX members_phone ON members(phone) WHERE phone IS NOT NULL;

CREATE TABLE roster (
    id          INTEGER PRIMARY KEY,
    branch_id   INTEGER NOT NULL REFERENCES branches(id) ON DELETE RESTRICT,
    role        TEXT    NOT NULL CHECK (role IN ('member', 'secretary')),
    name        TEXT    NOT NULL,
    phone       TEXT,
    notes       TEXT,
    member_id   INTEGER REFERENCES members(id),  -- who claimed it; NULL: not yet joined
    claimed_at  TEXT,
    removed_at  TEXT,                            -- taken off the roster before joining
    created_at  TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL
);
CREATE INDEX roster_waiting ON roster(branch_id, name)
    WHERE member_id IS NULL AND removed_at IS NULL;
CREATE INDEX roster_phone ON roster(phone) WHERE phone IS NOT NULL;
CREATE INDEX roster_member ON roster(member_id) WHERE member_id IS NOT NULL;

-- A personal link: an invite bound to one roster row (single use, see bot/rules/invites.py).
ALTER TABLE invites ADD COLUMN roster_id INTEGER REFERENCES roster(id);
CREATE INDEX invites_roster ON invites(roster_id) WHERE roster_id IS NOT NULL;
CREATE INDEX invites_branch ON invites(branch_id);

-- An archived branch leaves rollups, menus and schedules and keeps its history.
ALTER TABLE branches ADD COLUMN archived_at TEXT;
-- What the organization calls this branch's level (党小组) and its secretaries (组长); NULL:
-- the name of its level (`levels`), then the catalogue's default (支部, 书记).
ALTER TABLE branches ADD COLUMN level_name TEXT;
ALTER TABLE branches ADD COLUMN leader_title TEXT;
CREATE TABLE levels (
    depth         INTEGER PRIMARY KEY CHECK (depth >= 0),  -- 0: a root branch
    name          TEXT,
    leader_title  TEXT
);
