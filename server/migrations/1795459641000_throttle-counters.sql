-- Up Migration
-- Throttle counters (server/throttle): failed sign-ins per account and per address, refreshes,
-- enrollments and pushes. Kept in PostgreSQL so every server replica counts against the same
-- numbers. The layout is the one rate-limiter-flexible's RateLimiterPostgres reads and writes
-- (key, points, expire in epoch milliseconds); it is created here, never by the library at run
-- time (tableCreated: true). Keys are hashes: no email or address is stored in clear.
CREATE TABLE throttle_counters (
  key varchar(255) PRIMARY KEY,
  points integer NOT NULL DEFAULT 0,
  expire bigint
);
-- The periodic sweep deletes expired counters by this column.
CREATE INDEX throttle_counters_expire ON throttle_counters (expire);

-- Down Migration
DROP TABLE throttle_counters;
