-- Frontline schema, version 3: needs, teams, tasks and their assignees, conduct notes,
-- and the ledger that makes each task follow-up happen once.

-- How long an assignee has to answer before a reminder (NULL: inherit; default 120).
ALTER TABLE branches ADD COLUMN answer_within_minutes INTEGER;

CREATE TABLE needs (
    id           INTEGER PRIMARY KEY,
    branch_id    INTEGER NOT NULL REFERENCES branches(id),
    reporter_id  INTEGER NOT NULL REFERENCES members(id),
    category     TEXT    NOT NULL
                 CHECK (category IN ('food', 'medicine', 'medical', 'transport', 'childcare',
                                     'other')),
    urgency      TEXT    NOT NULL CHECK (urgency IN ('normal', 'urgent', 'critical')),
    for_self     INTEGER NOT NULL,
    for_whom     TEXT,               -- who it is for, when not the reporter
    details      TEXT    NOT NULL,
    location     TEXT,               -- as typed, or "lat,lon" from a Telegram location
    latitude     REAL,
    longitude    REAL,
    household_id INTEGER,            -- the household it is for (zones and households come later)
    status       TEXT    NOT NULL DEFAULT 'open'
                 CHECK (status IN ('open', 'assigned', 'resolved', 'cancelled')),
    status_note  TEXT,               -- the secretary's note on the last change
    status_by    INTEGER,
    created_at   TEXT    NOT NULL,
    updated_at   TEXT    NOT NULL,
    closed_at    TEXT
);
CREATE INDEX needs_branch_status ON needs(branch_id, status);
CREATE INDEX needs_reporter ON needs(reporter_id);

CREATE TABLE teams (
    id          INTEGER PRIMARY KEY,
    branch_id   INTEGER NOT NULL REFERENCES branches(id),
    name        TEXT    NOT NULL,
    created_by  INTEGER,
    created_at  TEXT    NOT NULL,
    UNIQUE (branch_id, name)
);

CREATE TABLE team_members (
    team_id    INTEGER NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    member_id  INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    added_at   TEXT    NOT NULL,
    PRIMARY KEY (team_id, member_id)
) WITHOUT ROWID;

CREATE TABLE tasks (
    id          INTEGER PRIMARY KEY,
    branch_id   INTEGER NOT NULL REFERENCES branches(id),
    created_by  INTEGER NOT NULL,
    title       TEXT    NOT NULL,
    details     TEXT,
    due_at      TEXT,                -- UTC
    need_id     INTEGER REFERENCES needs(id),
    team_id     INTEGER REFERENCES teams(id),
    status      TEXT    NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done', 'cancelled')),
    created_at  TEXT    NOT NULL,
    closed_at   TEXT,
    closed_by   INTEGER
);
CREATE INDEX tasks_branch_status ON tasks(branch_id, status);
CREATE INDEX tasks_need ON tasks(need_id);

-- One row per assignee: pending -> accepted / declined (with reason) -> done.
CREATE TABLE assignments (
    task_id         INTEGER NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
    member_id       INTEGER NOT NULL REFERENCES members(id),
    state           TEXT    NOT NULL DEFAULT 'pending'
                    CHECK (state IN ('pending', 'accepted', 'declined', 'done')),
    assigned_at     TEXT    NOT NULL,
    answered_at     TEXT,
    decline_reason  TEXT,
    done_at         TEXT,
    done_note       TEXT,
    proof_file_id   TEXT,
    PRIMARY KEY (task_id, member_id)
) WITHOUT ROWID;
CREATE INDEX assignments_member ON assignments(member_id, state);

-- Commendations and notes on a member's conduct.
CREATE TABLE conduct (
    id         INTEGER PRIMARY KEY,
    member_id  INTEGER NOT NULL REFERENCES members(id),
    branch_id  INTEGER NOT NULL REFERENCES branches(id),
    kind       TEXT    NOT NULL CHECK (kind IN ('commendation', 'note')),
    text       TEXT    NOT NULL,
    author_id  INTEGER NOT NULL,
    at         TEXT    NOT NULL
);
CREATE INDEX conduct_member ON conduct(member_id, at);

-- Each follow-up of a task (reminder to an assignee, escalation to the secretary, overdue
-- flag) is recorded here when queued, so a restart never sends it twice.
CREATE TABLE followups (
    task_id    INTEGER NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
    member_id  INTEGER NOT NULL,
    kind       TEXT    NOT NULL CHECK (kind IN ('remind', 'escalate', 'overdue')),
    at         TEXT    NOT NULL,
    PRIMARY KEY (task_id, member_id, kind)
) WITHOUT ROWID;
