-- Frontline schema, version 5: what the daily digest reads.

-- A day's check-ins side by side: the digest looks up each member of a subtree on one day
-- (and the day before); by day, those lookups stay in a few hot pages instead of one page
-- per member across the whole history (the primary key is by member, then day).
CREATE INDEX checkins_day ON checkins(day, member_id, status);
