-- Up Migration

-- Facts about this server instance itself; `instance_id` lets operators tell databases apart
-- (a restored backup, a copied embedded data dir) and later migrations may record more keys.
CREATE TABLE server_meta (
  key text PRIMARY KEY,
  value jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

INSERT INTO server_meta (key, value)
VALUES ('instance_id', to_jsonb(gen_random_uuid()::text));

-- Down Migration

DROP TABLE server_meta;
