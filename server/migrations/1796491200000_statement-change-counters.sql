-- Up Migration
-- Pull counters numbered by the writing statements, not by triggers (issue #23 item 3,
-- docs/scaling.md "Pull cursors" and "Triggers"). Citus runs no triggers on distributed tables, so
-- each INSERT/UPDATE of offline_tx_bundles now sets change_seq from its device's counter, taken in
-- the same statement, and each write of offline_catalog_items from its tenant's, taken earlier in
-- the same transaction (server/db/change-counters.ts; the SQL lint refuses a write of either table
-- that does not set change_seq). The counter's row stays locked until COMMIT, as before.
--
-- A device's counter moves to a table keyed by device_id, distributed and colocated with the
-- bundles, so taking the number and writing the bundle stay on one shard. Tenants' counters stay
-- in offline_change_counters (on the coordinator).
CREATE TABLE offline_device_changes (
  device_id text PRIMARY KEY,
  value bigint NOT NULL
);
INSERT INTO offline_device_changes (device_id, value)
  SELECT substr(scope, length('device:') + 1), value FROM offline_change_counters WHERE scope LIKE 'device:%';
DELETE FROM offline_change_counters WHERE scope LIKE 'device:%';

DROP TRIGGER offline_catalog_items_change ON offline_catalog_items;
DROP FUNCTION offline_catalog_items_change();
DROP TRIGGER offline_tx_bundles_change ON offline_tx_bundles;
DROP FUNCTION offline_tx_bundles_change();
DROP FUNCTION offline_next_change(text);

-- Transaction ids are no longer read (a cursor holding one starts the pull over): the columns,
-- written by volatile pg_current_xact_id() that Citus refuses in an UPDATE, and their indexes go.
ALTER TABLE offline_tx_bundles DROP COLUMN change_xid;
ALTER TABLE offline_catalog_items DROP COLUMN change_xid;

-- Down Migration
ALTER TABLE offline_catalog_items ADD COLUMN change_xid xid8 NOT NULL DEFAULT pg_current_xact_id();
CREATE INDEX offline_catalog_items_change ON offline_catalog_items (tenant_type, tenant_id, change_xid);
ALTER TABLE offline_tx_bundles ADD COLUMN change_xid xid8 NOT NULL DEFAULT pg_current_xact_id();
CREATE INDEX offline_tx_bundles_device_change ON offline_tx_bundles (device_id, change_xid);

CREATE FUNCTION offline_next_change(p_scope text) RETURNS bigint
LANGUAGE sql VOLATILE AS $$
  INSERT INTO offline_change_counters AS c (scope, value) VALUES (p_scope, 1)
  ON CONFLICT (scope) DO UPDATE SET value = c.value + 1
  RETURNING c.value;
$$;
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

INSERT INTO offline_change_counters (scope, value)
  SELECT 'device:' || device_id, value FROM offline_device_changes;
DROP TABLE offline_device_changes;
