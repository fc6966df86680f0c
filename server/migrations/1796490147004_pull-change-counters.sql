-- Up Migration

-- Pull cursors as change counters instead of transaction ids (issue #23, docs/scaling.md "Pull
-- cursors"). A pull sent rows whose change_xid was at or after the cursor (an xmin). Transaction
-- ids start over in another cluster (a restore, a failover to a logical replica) and, on a
-- distributed PostgreSQL, the coordinator's commit order is not the shards': a pull could skip a
-- change for good.
--
-- Now every write of a bundle takes the next number of its device's counter, and every write of a
-- catalog item the next of its tenant's. Taking it locks the counter's row until the writer
-- commits, so within a scope counters commit in their order: a reader that sees N+1 committed sees
-- N too (or N rolled back). A pull answers the counters it saw; the next pull asks for what is
-- above them. The numbers are ordinary data: a dump and restore keeps them.
CREATE TABLE offline_change_counters (
  scope text PRIMARY KEY,
  value bigint NOT NULL
);

ALTER TABLE offline_tx_bundles ADD COLUMN change_seq bigint NOT NULL DEFAULT 0;
ALTER TABLE offline_catalog_items ADD COLUMN change_seq bigint NOT NULL DEFAULT 0;
-- What exists now is change 1 of its scope: a till starting over (every old cursor) gets it all.
UPDATE offline_tx_bundles SET change_seq = 1;
UPDATE offline_catalog_items SET change_seq = 1;
INSERT INTO offline_change_counters (scope, value)
  SELECT DISTINCT 'device:' || device_id, 1 FROM offline_tx_bundles;
INSERT INTO offline_change_counters (scope, value)
  SELECT DISTINCT 'tenant:' || tenant_type || ':' || tenant_id, 1 FROM offline_catalog_items;
CREATE INDEX offline_tx_bundles_device_change_seq ON offline_tx_bundles (device_id, change_seq);
CREATE INDEX offline_catalog_items_tenant_change_seq ON offline_catalog_items (tenant_type, tenant_id, change_seq);

-- The next number of `p_scope`, its row locked until this transaction ends.
CREATE FUNCTION offline_next_change(p_scope text) RETURNS bigint
LANGUAGE sql VOLATILE AS $$
  INSERT INTO offline_change_counters AS c (scope, value) VALUES (p_scope, 1)
  ON CONFLICT (scope) DO UPDATE SET value = c.value + 1
  RETURNING c.value;
$$;

-- Triggers, so every writer (push, worker, review, catalog, pictures) numbers its change without
-- each statement remembering to.
CREATE FUNCTION offline_tx_bundles_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  NEW.change_seq := offline_next_change('device:' || NEW.device_id);
  RETURN NEW;
END;
$$;
CREATE TRIGGER offline_tx_bundles_change BEFORE INSERT OR UPDATE ON offline_tx_bundles
  FOR EACH ROW EXECUTE FUNCTION offline_tx_bundles_change();

CREATE FUNCTION offline_catalog_items_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  NEW.change_seq := offline_next_change('tenant:' || NEW.tenant_type || ':' || NEW.tenant_id);
  RETURN NEW;
END;
$$;
CREATE TRIGGER offline_catalog_items_change BEFORE INSERT OR UPDATE ON offline_catalog_items
  FOR EACH ROW EXECUTE FUNCTION offline_catalog_items_change();

-- Down Migration

DROP TRIGGER offline_catalog_items_change ON offline_catalog_items;
DROP FUNCTION offline_catalog_items_change();
DROP TRIGGER offline_tx_bundles_change ON offline_tx_bundles;
DROP FUNCTION offline_tx_bundles_change();
DROP FUNCTION offline_next_change(text);
DROP INDEX offline_catalog_items_tenant_change_seq;
DROP INDEX offline_tx_bundles_device_change_seq;
ALTER TABLE offline_catalog_items DROP COLUMN change_seq;
ALTER TABLE offline_tx_bundles DROP COLUMN change_seq;
DROP TABLE offline_change_counters;
