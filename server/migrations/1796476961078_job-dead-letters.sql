-- Up Migration
-- Job queues with a retry cap and a dead-letter state (issue #23, item 4).
--
-- The reconciliation queue names the device its bundle belongs to, in its key: a claim picks a
-- device first and then locks a job of that device only, so on a database distributed by device id
-- (Citus) the locking statement routes to one shard. After max_attempts failures a job is a dead
-- letter (dead_at set, never claimed again) until an operator retries it from the console.
ALTER TABLE offline_reconciliation_queue ADD COLUMN device_id text;
UPDATE offline_reconciliation_queue q SET device_id = b.device_id
FROM offline_tx_bundles b WHERE b.bundle_id = q.bundle_id;
ALTER TABLE offline_reconciliation_queue ALTER COLUMN device_id SET NOT NULL;
ALTER TABLE offline_reconciliation_queue DROP CONSTRAINT offline_reconciliation_queue_pkey;
ALTER TABLE offline_reconciliation_queue ADD PRIMARY KEY (device_id, bundle_id);
ALTER TABLE offline_reconciliation_queue ADD COLUMN max_attempts integer NOT NULL DEFAULT 10
  CHECK (max_attempts > 0);
ALTER TABLE offline_reconciliation_queue ADD COLUMN dead_at timestamptz;
DROP INDEX offline_reconciliation_queue_ready;
CREATE INDEX offline_reconciliation_queue_ready ON offline_reconciliation_queue (run_after, enqueued_at)
  WHERE dead_at IS NULL;
CREATE INDEX offline_reconciliation_queue_device ON offline_reconciliation_queue (device_id, run_after)
  WHERE dead_at IS NULL;
CREATE INDEX offline_reconciliation_queue_dead ON offline_reconciliation_queue (dead_at)
  WHERE dead_at IS NOT NULL;
CREATE INDEX offline_encryption_jobs_failed ON offline_encryption_jobs (finished_at)
  WHERE status = 'failed';

-- One device's claim: its next ready job (SKIP LOCKED), the bundle's lock and its pending sales,
-- every statement naming the device. NULL when that device has no job ready.
CREATE FUNCTION offline_reconcile_claim_device(p_device text) RETURNS json
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  v_job offline_reconciliation_queue%ROWTYPE;
  v_bundle offline_tx_bundles%ROWTYPE;
  v_txs json;
BEGIN
  SELECT * INTO v_job FROM offline_reconciliation_queue q
  WHERE q.device_id = p_device AND q.dead_at IS NULL AND q.run_after <= now()
  ORDER BY q.enqueued_at, q.bundle_id LIMIT 1 FOR UPDATE SKIP LOCKED;
  IF NOT FOUND THEN
    RETURN NULL;
  END IF;
  SELECT * INTO v_bundle FROM offline_tx_bundles b
  WHERE b.device_id = p_device AND b.bundle_id = v_job.bundle_id FOR UPDATE;
  IF NOT FOUND THEN
    RETURN json_build_object('job', v_job.bundle_id, 'device_id', p_device, 'attempts', v_job.attempts,
                             'max_attempts', v_job.max_attempts, 'bundle', NULL, 'txs', NULL);
  END IF;
  IF v_bundle.status = 'accepted' THEN
    SELECT coalesce(json_agg(json_build_object(
             'sale_id', x.sale_id, 'seq', x.seq::text, 'bundle_id', x.bundle_id, 'device_id', x.device_id,
             'kind', x.kind, 'original_sale_id', x.original_sale_id,
             'original_device_id', x.original_device_id, 'currency', x.currency,
             'total_minor', x.total_minor::text, 'tax_minor', x.tax_minor::text,
             'cash_minor', x.cash_minor::text, 'card_minor', x.card_minor::text,
             'qr_minor', x.qr_minor::text) ORDER BY x.seq), '[]'::json)
    INTO v_txs
    FROM offline_transactions x
    WHERE x.device_id = p_device AND x.bundle_id = v_job.bundle_id AND x.status = 'pending';
  END IF;
  RETURN json_build_object(
    'job', v_job.bundle_id, 'device_id', p_device, 'attempts', v_job.attempts,
    'max_attempts', v_job.max_attempts,
    'bundle', json_build_object('bundle_id', v_bundle.bundle_id, 'device_id', v_bundle.device_id,
                                'tenant_type', v_bundle.tenant_type, 'tenant_id', v_bundle.tenant_id,
                                'status', v_bundle.status, 'reasons', v_bundle.reasons),
    'txs', v_txs);
END;
$$;

-- The next ready job of any device: a read without locks finds a few devices with work, then each
-- is claimed by the one-device claim above until one answers. Workers that read the same devices
-- skip each other's locked jobs and go on to the next device.
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

-- Down Migration
CREATE OR REPLACE FUNCTION offline_reconcile_claim() RETURNS json
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  v_job uuid;
  v_bundle offline_tx_bundles%ROWTYPE;
  v_txs json;
BEGIN
  SELECT q.bundle_id INTO v_job FROM offline_reconciliation_queue q
  WHERE q.run_after <= now()
  ORDER BY q.enqueued_at, q.bundle_id LIMIT 1 FOR UPDATE SKIP LOCKED;
  IF v_job IS NULL THEN
    RETURN NULL;
  END IF;
  SELECT * INTO v_bundle FROM offline_tx_bundles b WHERE b.bundle_id = v_job FOR UPDATE;
  IF NOT FOUND THEN
    RETURN json_build_object('job', v_job, 'bundle', NULL, 'txs', NULL);
  END IF;
  IF v_bundle.status = 'accepted' THEN
    SELECT coalesce(json_agg(json_build_object(
             'sale_id', x.sale_id, 'seq', x.seq::text, 'bundle_id', x.bundle_id, 'device_id', x.device_id,
             'kind', x.kind, 'original_sale_id', x.original_sale_id,
             'original_device_id', x.original_device_id, 'currency', x.currency,
             'total_minor', x.total_minor::text, 'tax_minor', x.tax_minor::text,
             'cash_minor', x.cash_minor::text, 'card_minor', x.card_minor::text,
             'qr_minor', x.qr_minor::text) ORDER BY x.seq), '[]'::json)
    INTO v_txs
    FROM offline_transactions x WHERE x.bundle_id = v_job AND x.status = 'pending';
  END IF;
  RETURN json_build_object(
    'job', v_job,
    'bundle', json_build_object('bundle_id', v_bundle.bundle_id, 'device_id', v_bundle.device_id,
                                'tenant_type', v_bundle.tenant_type, 'tenant_id', v_bundle.tenant_id,
                                'status', v_bundle.status, 'reasons', v_bundle.reasons),
    'txs', v_txs);
END;
$$;
DROP FUNCTION offline_reconcile_claim_device(text);
DROP INDEX offline_encryption_jobs_failed;
DROP INDEX offline_reconciliation_queue_dead;
DROP INDEX offline_reconciliation_queue_device;
DROP INDEX offline_reconciliation_queue_ready;
CREATE INDEX offline_reconciliation_queue_ready ON offline_reconciliation_queue (run_after, enqueued_at);
ALTER TABLE offline_reconciliation_queue DROP COLUMN dead_at, DROP COLUMN max_attempts;
ALTER TABLE offline_reconciliation_queue DROP CONSTRAINT offline_reconciliation_queue_pkey;
ALTER TABLE offline_reconciliation_queue ADD PRIMARY KEY (bundle_id);
ALTER TABLE offline_reconciliation_queue DROP COLUMN device_id;
