-- Up Migration
-- A bearer access token carries the user's token_version when issued (claim `tv`); a password reset
-- and a disable raise it, so every access token issued before either is refused at once rather than
-- living out its 15 minutes (issue #16, eleventh red-team pass L-3). Read with the user row that
-- every authenticated request reads already (roles, disabled).
ALTER TABLE users ADD COLUMN token_version integer NOT NULL DEFAULT 0;

-- Down Migration
ALTER TABLE users DROP COLUMN token_version;
