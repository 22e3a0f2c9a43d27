-- Frontline schema, version 2: broadcasts, the outbox every bulk message goes through, acks.

CREATE TABLE broadcasts (
    id             INTEGER PRIMARY KEY,
    branch_id      INTEGER NOT NULL REFERENCES branches(id) ON DELETE CASCADE,
    author_id      INTEGER NOT NULL,
    scope          TEXT    NOT NULL CHECK (scope IN ('branch', 'subtree', 'team')),
    body           TEXT,              -- the secretary's text or caption, as typed
    media_kind     TEXT    CHECK (media_kind IN ('photo', 'document')),
    media_file_id  TEXT,
    to_groups      INTEGER NOT NULL DEFAULT 0,
    ack_required   INTEGER NOT NULL DEFAULT 1,
    status_chat_id    INTEGER,        -- where the author's progress message is
    status_message_id INTEGER,
    created_at     TEXT    NOT NULL,
    finished_at    TEXT
);
CREATE INDEX broadcasts_branch ON broadcasts(branch_id, id);

-- One row per message to send. Rows are written before anything is sent and marked as
-- they are sent, so a restart continues where the last run stopped.
CREATE TABLE outbox (
    id            INTEGER PRIMARY KEY,
    kind          TEXT    NOT NULL,   -- 'broadcast', 'reminder', ...
    broadcast_id  INTEGER REFERENCES broadcasts(id) ON DELETE CASCADE,
    chat_id       INTEGER NOT NULL,
    member_id     INTEGER,            -- NULL for a group chat
    text          TEXT    NOT NULL,   -- HTML, rendered in the recipient's language
    buttons       TEXT,               -- JSON: [[[label, callback_data], ...], ...]
    media_kind    TEXT    CHECK (media_kind IN ('photo', 'document')),
    media_file_id TEXT,
    state         TEXT    NOT NULL DEFAULT 'pending'
                  CHECK (state IN ('pending', 'sent', 'failed', 'unreachable', 'skipped')),
    attempts      INTEGER NOT NULL DEFAULT 0,
    message_id    INTEGER,            -- Telegram's id of the sent message
    error         TEXT,
    created_at    TEXT    NOT NULL,
    done_at       TEXT
);
CREATE INDEX outbox_pending ON outbox(id) WHERE state = 'pending';
CREATE INDEX outbox_broadcast ON outbox(broadcast_id, state);

CREATE TABLE acks (
    broadcast_id INTEGER NOT NULL REFERENCES broadcasts(id) ON DELETE CASCADE,
    member_id    INTEGER NOT NULL,
    chat_id      INTEGER NOT NULL,    -- where the button was pressed (private or group)
    at           TEXT    NOT NULL,
    PRIMARY KEY (broadcast_id, member_id)
) WITHOUT ROWID;
