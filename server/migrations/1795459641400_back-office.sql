-- Up Migration
-- The back office (issue #19): revoking an enrollment code, and what a till's catalog holds beyond
-- prices: several barcodes per product, quick grid categories and places, the shop's receipt details.

-- A revoked code also has its expiry moved to the revocation, so the redemption's own
-- `expires_at > now()` refuses it; revoked_at tells a revoked code from an expired one.
ALTER TABLE enrollment_codes ADD COLUMN revoked_at timestamptz;

-- The device's clock minus the server's at its last check-in or pull (server/devices/clock.ts).
ALTER TABLE offline_devices ADD COLUMN clock_offset_ms bigint;

ALTER TABLE offline_catalog_items
  ADD COLUMN barcodes text[] NOT NULL DEFAULT '{}',
  ADD COLUMN category_id text,
  ADD COLUMN quick_key integer CHECK (quick_key BETWEEN 0 AND 47);
-- Items from before: their one barcode is their list.
UPDATE offline_catalog_items SET barcodes = ARRAY[barcode] WHERE barcode IS NOT NULL;

-- A tenant's quick grid categories; tills pull the whole set (at most 12).
CREATE TABLE offline_catalog_categories (
  tenant_type text NOT NULL CHECK (tenant_type IN ('merchant', 'agent', 'school')),
  tenant_id text NOT NULL,
  category_id text NOT NULL,
  name text NOT NULL,
  position integer NOT NULL CHECK (position BETWEEN 0 AND 11),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_type, tenant_id, category_id),
  UNIQUE (tenant_type, tenant_id, position)
);

-- The shop's details a tenant's tills print at the top of receipts.
CREATE TABLE offline_shops (
  tenant_type text NOT NULL CHECK (tenant_type IN ('merchant', 'agent', 'school')),
  tenant_id text NOT NULL,
  name text NOT NULL,
  address text,
  tax_id text,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_type, tenant_id)
);

-- Down Migration
DROP TABLE offline_shops;
DROP TABLE offline_catalog_categories;
ALTER TABLE offline_catalog_items DROP COLUMN quick_key, DROP COLUMN category_id, DROP COLUMN barcodes;
ALTER TABLE offline_devices DROP COLUMN clock_offset_ms;
ALTER TABLE enrollment_codes DROP COLUMN revoked_at;
