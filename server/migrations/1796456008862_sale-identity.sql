-- Up Migration
-- A sale is identified by who recorded it: (device_id, sale_id), not sale_id alone (issue #16,
-- eighth red-team pass M-1). Every printed receipt shows its sale_id (outpost-receipt:<sale_id>); with
-- sale_id as the primary key, an enrolled till of another tenant pushed a sale under a victim's
-- sale_id first, and the victim's honest bundle was refused (409 SEQUENCE_CONFLICT) for good. Now
-- another device's sale can never clash with, refuse or block a device's own; a device re-sending
-- its own sale_id in another bundle is still refused by this key.

-- The ledger names its transaction by the same pair.
ALTER TABLE ledger_entries ADD COLUMN device_id text;
UPDATE ledger_entries l SET device_id = t.device_id FROM offline_transactions t WHERE t.sale_id = l.sale_id;
ALTER TABLE ledger_entries ALTER COLUMN device_id SET NOT NULL;
ALTER TABLE ledger_entries DROP CONSTRAINT ledger_entries_sale_id_fkey,
  DROP CONSTRAINT ledger_entries_sale_id_leg_key;

ALTER TABLE offline_transactions DROP CONSTRAINT offline_transactions_pkey;
ALTER TABLE offline_transactions ADD CONSTRAINT offline_transactions_pkey PRIMARY KEY (device_id, sale_id);
-- A refund's original is looked up by its sale_id among the tenant's sales (server/payments/refunds.ts).
CREATE INDEX offline_transactions_sale ON offline_transactions (sale_id);

ALTER TABLE ledger_entries
  ADD CONSTRAINT ledger_entries_transaction_fkey FOREIGN KEY (device_id, sale_id)
    REFERENCES offline_transactions (device_id, sale_id),
  ADD CONSTRAINT ledger_entries_transaction_leg_key UNIQUE (device_id, sale_id, leg);

-- The device whose sale a refund or void reverses, resolved at push (the refunding device's own
-- sale, else the one sale of that id among its tenant's); NULL when none was (unknown, another
-- tenant's, or held by more than one of the tenant's devices): such a refund never counts against
-- anyone's sale and is never posted.
ALTER TABLE offline_transactions ADD COLUMN original_device_id text;
UPDATE offline_transactions r SET original_device_id = o.device_id
FROM offline_transactions o
JOIN offline_tx_bundles ob ON ob.bundle_id = o.bundle_id,
     offline_tx_bundles rb
WHERE r.original_sale_id = o.sale_id AND rb.bundle_id = r.bundle_id
  AND (o.device_id = r.device_id OR (ob.tenant_type = rb.tenant_type AND ob.tenant_id = rb.tenant_id));
DROP INDEX offline_transactions_original;
CREATE INDEX offline_transactions_original ON offline_transactions (original_device_id, original_sale_id)
  WHERE original_device_id IS NOT NULL;

ALTER TABLE ledger_entries ADD COLUMN reverses_device_id text;
UPDATE ledger_entries l SET reverses_device_id = t.original_device_id
FROM offline_transactions t WHERE t.device_id = l.device_id AND t.sale_id = l.sale_id
  AND l.reverses_sale_id IS NOT NULL;

-- An online authorisation is for one sale of one device: another device asking under the same
-- sale_id does not take it away.
ALTER TABLE offline_online_authorisations DROP CONSTRAINT offline_online_authorisations_sale_id_key,
  ADD CONSTRAINT offline_online_authorisations_device_sale_key UNIQUE (device_id, sale_id);

-- The worker's claim also returns the original's device (refunds.ts postingCheck).
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

-- Down Migration
-- Fails while two devices hold the same sale_id, which only this migration allowed.
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
             'kind', x.kind, 'original_sale_id', x.original_sale_id, 'currency', x.currency,
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
ALTER TABLE offline_online_authorisations DROP CONSTRAINT offline_online_authorisations_device_sale_key,
  ADD CONSTRAINT offline_online_authorisations_sale_id_key UNIQUE (sale_id);
ALTER TABLE ledger_entries DROP COLUMN reverses_device_id;
DROP INDEX offline_transactions_original;
CREATE INDEX offline_transactions_original ON offline_transactions (original_sale_id)
  WHERE original_sale_id IS NOT NULL;
ALTER TABLE offline_transactions DROP COLUMN original_device_id;
ALTER TABLE ledger_entries DROP CONSTRAINT ledger_entries_transaction_fkey,
  DROP CONSTRAINT ledger_entries_transaction_leg_key;
DROP INDEX offline_transactions_sale;
ALTER TABLE offline_transactions DROP CONSTRAINT offline_transactions_pkey;
ALTER TABLE offline_transactions ADD CONSTRAINT offline_transactions_pkey PRIMARY KEY (sale_id);
ALTER TABLE ledger_entries ADD CONSTRAINT ledger_entries_sale_id_fkey FOREIGN KEY (sale_id)
    REFERENCES offline_transactions (sale_id),
  ADD CONSTRAINT ledger_entries_sale_id_leg_key UNIQUE (sale_id, leg);
ALTER TABLE ledger_entries DROP COLUMN device_id;
