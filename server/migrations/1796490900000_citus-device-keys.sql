-- Up Migration
-- Every key of a device table holds device_id, so each table can be distributed by it (Citus;
-- issue #23 item 3, docs/scaling.md "The Citus layout"; server/db/citus-layout.test.ts checks).
-- These four were keyed by a server-made id alone (a bigserial or gen_random_uuid()): the id stays
-- unique in practice (a sequence, 122 random bits) and keeps a plain index for lookups by id alone
-- (licence routes, a till's authorisation ids), which on Citus fan out to every shard until the
-- statement also names the device.

ALTER TABLE ledger_entries DROP CONSTRAINT ledger_entries_pkey;
ALTER TABLE ledger_entries ADD CONSTRAINT ledger_entries_pkey PRIMARY KEY (device_id, id);
CREATE INDEX ledger_entries_id ON ledger_entries (id);

ALTER TABLE offline_licenses DROP CONSTRAINT offline_licenses_pkey;
ALTER TABLE offline_licenses ADD CONSTRAINT offline_licenses_pkey PRIMARY KEY (device_id, id);
CREATE INDEX offline_licenses_id ON offline_licenses (id);

ALTER TABLE offline_download_events DROP CONSTRAINT offline_download_events_pkey;
ALTER TABLE offline_download_events ADD CONSTRAINT offline_download_events_pkey PRIMARY KEY (device_id, id);

ALTER TABLE offline_online_authorisations DROP CONSTRAINT offline_online_authorisations_pkey;
ALTER TABLE offline_online_authorisations
  ADD CONSTRAINT offline_online_authorisations_pkey PRIMARY KEY (device_id, authorisation_id);
CREATE INDEX offline_online_authorisations_id ON offline_online_authorisations (authorisation_id);

-- Unchanged but for the mark the SQL lint reads (server/db/sql-lint.ts): which devices have work is
-- a read across shards, without locks; each claim then names its device.
CREATE OR REPLACE FUNCTION offline_reconcile_claim() RETURNS json
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  v_device text;
  v_claim json;
BEGIN
  FOR v_device IN
    /* citus: multi-shard: which devices have ready work, read without locks */
    SELECT r.device_id FROM (
      SELECT device_id, run_after FROM offline_reconciliation_queue
      WHERE dead_at IS NULL AND run_after <= now()
      ORDER BY run_after, enqueued_at LIMIT 32) r
    GROUP BY r.device_id ORDER BY min(r.run_after)
  LOOP
    v_claim := offline_reconcile_claim_device(v_device);
    IF v_claim IS NOT NULL THEN
      RETURN v_claim;
    END IF;
  END LOOP;
  RETURN NULL;
END;
$$;

-- Down Migration
-- Fails if one id came to be used by two devices, which only this migration allowed.
DROP INDEX offline_online_authorisations_id;
ALTER TABLE offline_online_authorisations DROP CONSTRAINT offline_online_authorisations_pkey;
ALTER TABLE offline_online_authorisations
  ADD CONSTRAINT offline_online_authorisations_pkey PRIMARY KEY (authorisation_id);

ALTER TABLE offline_download_events DROP CONSTRAINT offline_download_events_pkey;
ALTER TABLE offline_download_events ADD CONSTRAINT offline_download_events_pkey PRIMARY KEY (id);

DROP INDEX offline_licenses_id;
ALTER TABLE offline_licenses DROP CONSTRAINT offline_licenses_pkey;
ALTER TABLE offline_licenses ADD CONSTRAINT offline_licenses_pkey PRIMARY KEY (id);

DROP INDEX ledger_entries_id;
ALTER TABLE ledger_entries DROP CONSTRAINT ledger_entries_pkey;
ALTER TABLE ledger_entries ADD CONSTRAINT ledger_entries_pkey PRIMARY KEY (id);

CREATE OR REPLACE FUNCTION offline_reconcile_claim() RETURNS json
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  v_device text;
  v_claim json;
BEGIN
  FOR v_device IN
    SELECT r.device_id FROM (
      SELECT device_id, run_after FROM offline_reconciliation_queue
      WHERE dead_at IS NULL AND run_after <= now()
      ORDER BY run_after, enqueued_at LIMIT 32) r
    GROUP BY r.device_id ORDER BY min(r.run_after)
  LOOP
    v_claim := offline_reconcile_claim_device(v_device);
    IF v_claim IS NOT NULL THEN
      RETURN v_claim;
    END IF;
  END LOOP;
  RETURN NULL;
END;
$$;
