-- Up Migration

-- Materials a teacher uploaded. The plaintext lives on the server's disk only until its encryption
-- job has run; afterwards only `<id>.enc` remains, and the manifest here describes it.
CREATE TABLE offline_materials (
  id uuid PRIMARY KEY,
  owner_id uuid NOT NULL REFERENCES users (id),
  title text NOT NULL CHECK (length(title) BETWEEN 1 AND 500),
  content_type text NOT NULL,
  plaintext_size bigint NOT NULL CHECK (plaintext_size >= 0),
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'encrypting', 'ready', 'failed')),
  manifest jsonb,
  manifest_sha256 text,
  chunk_count integer CHECK (chunk_count > 0),
  encrypted_size bigint CHECK (encrypted_size >= 0),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CHECK (status <> 'ready' OR (manifest IS NOT NULL AND manifest_sha256 IS NOT NULL AND encrypted_size IS NOT NULL))
);
CREATE INDEX offline_materials_owner ON offline_materials (owner_id, created_at);

-- Grants are by email, so a class list can be granted before every student has signed up.
CREATE TABLE offline_material_grants (
  material_id uuid NOT NULL REFERENCES offline_materials (id) ON DELETE CASCADE,
  email text NOT NULL CHECK (email = lower(email) AND length(email) BETWEEN 3 AND 320),
  granted_by uuid NOT NULL REFERENCES users (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (material_id, email)
);
CREATE INDEX offline_material_grants_email ON offline_material_grants (email);

-- KEK versions: KEK_v = HKDF(master secret, salt_v, "outpost:kek:v<v>"). The highest version wraps
-- new CEKs; rotation adds a version and re-wraps every CEK under it.
CREATE TABLE offline_kek_versions (
  version integer PRIMARY KEY CHECK (version > 0),
  salt text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- One CEK per material, AES-256-GCM-wrapped by a KEK (aad: material id and KEK version).
CREATE TABLE offline_ceks (
  material_id uuid PRIMARY KEY REFERENCES offline_materials (id),
  kek_version integer NOT NULL REFERENCES offline_kek_versions (version),
  wrapped_cek text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  rewrapped_at timestamptz
);
CREATE INDEX offline_ceks_version ON offline_ceks (kek_version);

-- The encryption queue (server/materials/encryption-job.ts). A job is claimed with
-- FOR UPDATE SKIP LOCKED and leased (locked_until) rather than held in an open transaction, because
-- encrypting a large file takes long and the embedded database runs one transaction at a time.
CREATE TABLE offline_encryption_jobs (
  id uuid PRIMARY KEY,
  material_id uuid NOT NULL UNIQUE REFERENCES offline_materials (id),
  status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'done', 'failed')),
  attempts integer NOT NULL DEFAULT 0,
  max_attempts integer NOT NULL DEFAULT 5 CHECK (max_attempts > 0),
  run_after timestamptz NOT NULL DEFAULT now(),
  locked_by text,
  locked_until timestamptz,
  last_error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  started_at timestamptz,
  finished_at timestamptz
);
CREATE INDEX offline_encryption_jobs_ready ON offline_encryption_jobs (run_after, created_at)
  WHERE status IN ('queued', 'running');

-- Licences (server/licences/). The signed licence is kept whole, so an idempotent issue answers
-- the very same bytes.
ALTER TABLE offline_licenses
  ADD COLUMN nonce text,
  ADD COLUMN licence jsonb,
  ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now(),
  ADD COLUMN activated_at timestamptz,
  ADD COLUMN returned_at timestamptz,
  ADD COLUMN cancelled_at timestamptz,
  ADD COLUMN replaced_by uuid,
  ADD COLUMN revoke_reason text;
-- One held (ready or active) licence per device and material: the "slot" a return frees.
CREATE UNIQUE INDEX offline_licenses_held ON offline_licenses (device_id, material_id)
  WHERE status IN ('ready', 'active');
CREATE INDEX offline_licenses_material ON offline_licenses (material_id);

-- Failed licence validations per device; five in a row block it for an hour (DEVICE_BLOCKED).
CREATE TABLE offline_device_blocks (
  device_id text PRIMARY KEY REFERENCES offline_devices (device_id),
  failed_validations integer NOT NULL DEFAULT 0,
  blocked_until timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Prepared downloads, for the per-user hourly limit (RATE_LIMIT_EXCEEDED).
CREATE TABLE offline_download_events (
  id bigserial PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES users (id),
  device_id text NOT NULL,
  material_id uuid NOT NULL,
  at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX offline_download_events_user ON offline_download_events (user_id, at);

-- Down Migration

DROP TABLE offline_download_events;
DROP TABLE offline_device_blocks;
DROP INDEX offline_licenses_material;
DROP INDEX offline_licenses_held;
ALTER TABLE offline_licenses
  DROP COLUMN nonce,
  DROP COLUMN licence,
  DROP COLUMN updated_at,
  DROP COLUMN activated_at,
  DROP COLUMN returned_at,
  DROP COLUMN cancelled_at,
  DROP COLUMN replaced_by,
  DROP COLUMN revoke_reason;
DROP TABLE offline_encryption_jobs;
DROP TABLE offline_ceks;
DROP TABLE offline_kek_versions;
DROP TABLE offline_material_grants;
DROP TABLE offline_materials;
