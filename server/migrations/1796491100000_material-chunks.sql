-- Up Migration
-- Material blobs in the database, which every server and worker on one DATABASE_URL shares (issue
-- #23 item 2; server/materials/blobs/database.ts). Each object (a teacher's upload, an encrypted
-- file, an attempt's staged file) is a run of 256 KiB rows keyed by (material id, kind, chunk
-- number). No foreign key to offline_materials: an upload is stored before its material row is
-- inserted. Coordinator table under Citus (server/db/citus-layout.ts).
CREATE TABLE offline_material_chunks (
  material_id uuid NOT NULL,
  kind text NOT NULL CHECK (kind IN ('receiving', 'upload', 'encrypted') OR kind ~ '^staged-[0-9]+$'),
  n integer NOT NULL CHECK (n >= 0),
  data bytea NOT NULL,
  -- For the sweep of objects whose writer died (server/materials/blobs/sweep.ts).
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (material_id, kind, n)
);
-- Out of line and uncompressed: encrypted bytes and most uploads (PDF, EPUB, images) do not
-- compress, so trying is wasted CPU, and publishing (an UPDATE of kind) then moves no bytes.
ALTER TABLE offline_material_chunks ALTER COLUMN data SET STORAGE EXTERNAL;

-- Down Migration
DROP TABLE offline_material_chunks;
