-- Up Migration
-- A reconciliation worker's first step as one call: claim the next ready job (SKIP LOCKED, so
-- workers never wait for each other), lock its bundle, and read the bundle's pending sales. One
-- round trip instead of four, with plans PL/pgSQL keeps per session; each statement takes its own
-- snapshot, so the sales are read after the bundle's lock is granted.
--
-- NULL when no job is ready. Otherwise {job, bundle, txs}: bundle is null if the bundle is gone,
-- txs is null unless the bundle is accepted. bigints are text, as pg returns them.
CREATE FUNCTION offline_reconcile_claim() RETURNS json
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

-- Down Migration
DROP FUNCTION offline_reconcile_claim();
