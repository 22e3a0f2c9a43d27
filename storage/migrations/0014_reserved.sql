-- Frontline schema, version 14: reserved for the charts branch of issue 15 (the outbox's
-- attachments). This placeholder only keeps the weekly branch's 0015 in sequence; the
-- charts branch's 0014 replaces it at merge.
SELECT 1;
