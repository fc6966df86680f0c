-- Up Migration

-- People who sign in: admins, ops, teachers, students. Emails are stored lower-cased so the
-- unique constraint means "one account per address" whatever case the user types.
CREATE TABLE users (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  email text NOT NULL UNIQUE CHECK (email = lower(email) AND length(email) BETWEEN 3 AND 320),
  password_hash text NOT NULL,
  roles text[] NOT NULL CHECK (
    cardinality(roles) > 0 AND roles <@ ARRAY['pay_admin', 'ops', 'teacher', 'user']::text[]
  ),
  disabled boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Opaque refresh tokens: only their SHA-256 is kept, so a database leak yields no usable token.
-- A family groups the rotations of one sign-in, so reuse of a rotated token can revoke them all.
CREATE TABLE refresh_tokens (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  family_id uuid NOT NULL,
  token_hash text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  revoked_at timestamptz
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);

-- The server's own long-lived keys (JWT signing, HPKE). Private halves are encrypted under the
-- master secret, which never enters the database.
CREATE TABLE server_keys (
  kind text PRIMARY KEY,
  public_key text NOT NULL,
  private_key_enc text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE offline_devices (
  device_id text PRIMARY KEY CHECK (length(device_id) BETWEEN 1 AND 128),
  -- Terminals belong to a tenant (merchant, agent, school); laptops to a user.
  tenant_type text CHECK (tenant_type IN ('merchant', 'agent', 'school')),
  tenant_id text,
  user_id uuid REFERENCES users (id),
  enrolled_via text NOT NULL CHECK (enrolled_via IN ('admin', 'code', 'user')),
  pubkey_pem text NOT NULL,
  x25519_pub text NOT NULL,
  fingerprint text,
  name text,
  platform text,
  country text CHECK (country ~ '^[A-Z]{2}$'),
  currency_default text CHECK (currency_default ~ '^[A-Z]{3}$'),
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'revoked')),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz,
  revoked_at timestamptz
);
CREATE INDEX offline_devices_user ON offline_devices (user_id) WHERE user_id IS NOT NULL;

-- One row per accepted signed request; the primary key is what refuses a replay atomically.
CREATE TABLE device_nonces (
  device_id text NOT NULL,
  nonce text NOT NULL,
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (device_id, nonce)
);
CREATE INDEX device_nonces_expiry ON device_nonces (expires_at);

-- One-time enrollment codes; only an HMAC of the code is stored.
CREATE TABLE enrollment_codes (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  code_hash text NOT NULL UNIQUE,
  tenant_type text NOT NULL CHECK (tenant_type IN ('merchant', 'agent', 'school')),
  tenant_id text NOT NULL,
  country text NOT NULL,
  currency_default text NOT NULL,
  label text,
  created_by uuid REFERENCES users (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  redeemed_at timestamptz,
  redeemed_device_id text
);

-- Minimal now; the materials issue extends it.
CREATE TABLE offline_licenses (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  material_id text NOT NULL,
  device_id text NOT NULL REFERENCES offline_devices (device_id),
  user_id uuid REFERENCES users (id),
  status text NOT NULL CHECK (status IN ('ready', 'active', 'revoked', 'returned', 'cancelled', 'expired')),
  issued_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  revoked_at timestamptz
);
CREATE INDEX offline_licenses_device ON offline_licenses (device_id);

CREATE TABLE offline_policies (
  country text PRIMARY KEY CHECK (country ~ '^[A-Z]{2}$'),
  currency text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  max_offline_amount bigint NOT NULL CHECK (max_offline_amount >= 0),
  max_offline_per_device_per_day integer NOT NULL CHECK (max_offline_per_device_per_day >= 0),
  max_unsynced_amount bigint NOT NULL CHECK (max_unsynced_amount >= 0),
  max_bundle_age_hours integer NOT NULL CHECK (max_bundle_age_hours > 0),
  approval_threshold bigint NOT NULL CHECK (approval_threshold >= 0),
  enabled boolean NOT NULL,
  version integer NOT NULL DEFAULT 1,
  updated_by uuid REFERENCES users (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Written by background workers (a later issue); /health/full reads it.
CREATE TABLE worker_heartbeats (
  worker_id text PRIMARY KEY,
  kind text NOT NULL,
  started_at timestamptz NOT NULL DEFAULT now(),
  heartbeat_at timestamptz NOT NULL DEFAULT now(),
  details jsonb NOT NULL DEFAULT '{}'
);

-- Hash-chained, append-only record of security-relevant actions (see server/audit/).
CREATE TABLE offline_audit_logs (
  id bigserial PRIMARY KEY,
  at timestamptz NOT NULL,
  actor_type text NOT NULL,
  actor_id text,
  action text NOT NULL,
  target_type text,
  target_id text,
  details jsonb NOT NULL DEFAULT '{}',
  prev_hash text NOT NULL,
  hash text NOT NULL UNIQUE
);

CREATE FUNCTION offline_audit_logs_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'offline_audit_logs is append-only (% refused)', TG_OP;
END;
$$;

CREATE TRIGGER offline_audit_logs_no_change
  BEFORE UPDATE OR DELETE ON offline_audit_logs
  FOR EACH ROW EXECUTE FUNCTION offline_audit_logs_append_only();
CREATE TRIGGER offline_audit_logs_no_truncate
  BEFORE TRUNCATE ON offline_audit_logs
  FOR EACH STATEMENT EXECUTE FUNCTION offline_audit_logs_append_only();

-- Down Migration

DROP TABLE offline_audit_logs;
DROP FUNCTION offline_audit_logs_append_only();
DROP TABLE worker_heartbeats;
DROP TABLE offline_policies;
DROP TABLE offline_licenses;
DROP TABLE enrollment_codes;
DROP TABLE device_nonces;
DROP TABLE offline_devices;
DROP TABLE server_keys;
DROP TABLE refresh_tokens;
DROP TABLE users;
