-- Frontline schema, version 1: branches, members, memberships, invites, check-ins, audit log.
-- Times are ISO 8601 UTC strings ("2026-11-28T08:00:00+00:00"); days are local ISO dates.

CREATE TABLE branches (
    id            INTEGER PRIMARY KEY,
    parent_id     INTEGER REFERENCES branches(id) ON DELETE RESTRICT,
    name          TEXT    NOT NULL,
    -- NULL settings are inherited from the parent, then from [defaults] in the config.
    timezone      TEXT,
    locale        TEXT    CHECK (locale IN ('zh', 'en')),
    checkin_time  TEXT,
    reminder_time TEXT,
    digest_time   TEXT,
    group_chat_id INTEGER UNIQUE,
    created_at    TEXT    NOT NULL
);
CREATE INDEX branches_parent ON branches(parent_id);

-- A person the bot knows, keyed by Telegram user id (64-bit).
CREATE TABLE members (
    id                 INTEGER PRIMARY KEY,
    first_name         TEXT    NOT NULL,
    last_name          TEXT,
    username           TEXT,
    language           TEXT    CHECK (language IN ('zh', 'en')),  -- chosen with /lang
    telegram_language  TEXT,                                      -- as Telegram reports it
    reachable          INTEGER NOT NULL DEFAULT 1,
    created_at         TEXT    NOT NULL,
    updated_at         TEXT    NOT NULL
);
CREATE INDEX members_username ON members(username COLLATE NOCASE);

-- One branch and role per member.
CREATE TABLE memberships (
    member_id   INTEGER PRIMARY KEY REFERENCES members(id) ON DELETE CASCADE,
    branch_id   INTEGER NOT NULL REFERENCES branches(id) ON DELETE RESTRICT,
    role        TEXT    NOT NULL CHECK (role IN ('member', 'secretary')),
    joined_at   TEXT    NOT NULL,
    invite_code TEXT
);
CREATE INDEX memberships_branch ON memberships(branch_id, role);

CREATE TABLE invites (
    code        TEXT    PRIMARY KEY,
    branch_id   INTEGER NOT NULL REFERENCES branches(id) ON DELETE CASCADE,
    role        TEXT    NOT NULL CHECK (role IN ('member', 'secretary')),
    uses_left   INTEGER,          -- NULL: unlimited
    expires_at  TEXT,             -- NULL: never
    created_by  INTEGER,          -- Telegram user id, NULL when made by the CLI
    created_at  TEXT    NOT NULL,
    revoked     INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE checkins (
    member_id   INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    day         TEXT    NOT NULL,
    branch_id   INTEGER NOT NULL REFERENCES branches(id),
    status      TEXT    NOT NULL
                CHECK (status IN ('on_duty', 'available', 'unwell', 'quarantined', 'off')),
    note        TEXT,
    created_at  TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL,
    PRIMARY KEY (member_id, day)
) WITHOUT ROWID;
CREATE INDEX checkins_branch_day ON checkins(branch_id, day);

CREATE TABLE audit_log (
    id         INTEGER PRIMARY KEY,
    at         TEXT    NOT NULL,
    actor_id   INTEGER,           -- NULL: the command line
    action     TEXT    NOT NULL,
    branch_id  INTEGER,
    allowed    INTEGER NOT NULL,
    detail     TEXT
);
CREATE INDEX audit_log_at ON audit_log(at);
