-- Up Migration
-- One device id, one device, whatever its letter case (migration 1796478000866), without a unique
-- index on lower(device_id): a table distributed by device_id cannot carry one (its rows sit on
-- many shards). Every device id, lower-cased, is a row here, inserted in the transaction that
-- inserts the device (server/devices/store.ts insertDevice); a second spelling meets this key and
-- is refused as before (409 DEVICE_EXISTS). On Citus this is a reference table: one key for all
-- shards (docs/scaling.md, "What replaced global uniqueness").
CREATE TABLE offline_device_ids (
  lower_id text PRIMARY KEY CHECK (lower_id = lower(lower_id))
);
INSERT INTO offline_device_ids (lower_id)
  /* citus: multi-shard: every device's id, once */ SELECT lower(device_id) FROM offline_devices;
DROP INDEX offline_devices_device_id_any_case;

-- Down Migration
CREATE UNIQUE INDEX offline_devices_device_id_any_case ON offline_devices (lower(device_id));
DROP TABLE offline_device_ids;
