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
