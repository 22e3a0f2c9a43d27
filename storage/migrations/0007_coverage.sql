-- Frontline schema, version 7: coverage of households (issue 6).

-- Each household carries its latest contact, written in the same transaction as the
-- visit: coverage then reads one row per household instead of searching its visits.
-- `last_reached_at` counts only contacts that reached the household (all well, needs
-- help, refused); `last_visit_at`/`last_outcome` any contact, "nobody answered" too.
ALTER TABLE households ADD COLUMN last_reached_at TEXT;
ALTER TABLE households ADD COLUMN last_visit_at TEXT;
ALTER TABLE households ADD COLUMN last_outcome TEXT;

-- Who holds the household while its responsible member is off duty: the `to_member` of
-- its open hand-over (kept here too so that coverage reads it without a lookup), else NULL.
ALTER TABLE households ADD COLUMN handed_to INTEGER REFERENCES members(id) ON DELETE SET NULL;
CREATE INDEX households_handed_to ON households(handed_to) WHERE handed_to IS NOT NULL;

-- Days between contacts a household may go (vulnerable ones: every day); NULL inherits.
ALTER TABLE branches ADD COLUMN visit_every_days INTEGER;

-- A member marked away (by themselves or a secretary) since this instant; NULL: not away.
ALTER TABLE members ADD COLUMN away_since TEXT;

CREATE INDEX handovers_from_open ON handovers(from_member) WHERE returned_at IS NULL;
