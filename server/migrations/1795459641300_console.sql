-- Up Migration
-- The back office (issue #19). Browser sessions of the console at /admin: only the SHA-256 of the
-- cookie's token is kept (a database leak yields no usable cookie); the CSRF token is not a
-- credential by itself. Revoked on sign-out, on disabling the user and on a password reset.
CREATE TABLE console_sessions (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  token_hash text NOT NULL UNIQUE,
  csrf_token text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  revoked_at timestamptz
);
CREATE INDEX console_sessions_user ON console_sessions (user_id) WHERE revoked_at IS NULL;

-- Single-use links: the first run's setup link (no user yet), invitations and password resets.
-- Only the token's SHA-256 is kept.
CREATE TABLE console_links (
  token_hash text PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('setup', 'invite', 'reset')),
  user_id uuid REFERENCES users (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  used_at timestamptz,
  CHECK ((kind = 'setup') = (user_id IS NULL))
);
CREATE INDEX console_links_user ON console_links (user_id) WHERE used_at IS NULL;

-- An invited user has an account but no password of their own yet.
ALTER TABLE users ADD COLUMN invited boolean NOT NULL DEFAULT false;

-- Down Migration
ALTER TABLE users DROP COLUMN invited;
DROP TABLE console_links;
DROP TABLE console_sessions;
