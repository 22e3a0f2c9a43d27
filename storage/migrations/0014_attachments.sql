-- Frontline schema, version 14: files the outbox sends (a chart, a workbook), issue 15.

-- A file's bytes, uploaded to Telegram the first time it is sent; the file_id Telegram gives
-- back then serves every later recipient (no second upload). The bytes are dropped after
-- some days (`Outbox.prune_attachments`); the file_id stays.
CREATE TABLE attachments (
    id          INTEGER PRIMARY KEY,
    kind        TEXT    NOT NULL CHECK (kind IN ('photo', 'document')),
    file_name   TEXT    NOT NULL,
    data        BLOB,
    file_id     TEXT,
    created_at  TEXT    NOT NULL
);
CREATE INDEX attachments_with_data ON attachments(created_at) WHERE data IS NOT NULL;

-- An outbox row that sends an attachment, its text as the caption.
ALTER TABLE outbox ADD COLUMN attachment_id INTEGER REFERENCES attachments(id);
