-- Up Migration
-- A product's picture (issue #19, item 6), kept in the database so every server replica serves
-- the same one. The item row names it (`image`: sha256, content_type, width, height) so a change
-- moves change_xid and reaches tills on their next pull; the bytes stay here, fetched apart.
CREATE TABLE offline_catalog_images (
  tenant_type text NOT NULL,
  tenant_id text NOT NULL,
  sku text NOT NULL,
  content_type text NOT NULL CHECK (content_type IN ('image/png', 'image/jpeg', 'image/webp')),
  sha256 text NOT NULL,
  width integer NOT NULL,
  height integer NOT NULL,
  bytes bytea NOT NULL CHECK (octet_length(bytes) <= 40960),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_type, tenant_id, sku),
  FOREIGN KEY (tenant_type, tenant_id, sku) REFERENCES offline_catalog_items (tenant_type, tenant_id, sku)
    ON DELETE CASCADE
);
ALTER TABLE offline_catalog_items ADD COLUMN image jsonb;

-- Down Migration
ALTER TABLE offline_catalog_items DROP COLUMN image;
DROP TABLE offline_catalog_images;
