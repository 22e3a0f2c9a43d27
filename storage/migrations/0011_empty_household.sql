-- Frontline schema, version 11: a household may have 0 people (an empty flat is a fact worth
-- recording, issue 14). SQLite cannot alter a CHECK, and rebuilding `households` would cascade
-- to its visits and hand-overs; loosening a CHECK is the case where SQLite's documentation
-- allows editing the table's definition in place (every row already satisfies the new one).
-- RESET reloads this connection's schema; the CREATE/DROP bumps the schema cookie so every
-- other connection reloads it too.
PRAGMA writable_schema=ON;
UPDATE sqlite_schema
   SET sql = replace(sql, 'people          INTEGER NOT NULL CHECK (people > 0)',
                          'people          INTEGER NOT NULL CHECK (people >= 0)')
 WHERE type = 'table' AND name = 'households';
PRAGMA writable_schema=RESET;
CREATE TABLE schema_bump(x);
DROP TABLE schema_bump;
