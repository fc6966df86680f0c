-- Up Migration
-- A bundle is identified by who pushed it: (device_id, bundle_id), not bundle_id alone (issue #16,
-- 13th red-team pass M-1; issue #23 item 3). bundle_id travels in clear in the envelope: with it as
-- the primary key, a proxy between a till and the server held the till's envelope back and pushed
-- another enrolled terminal's bundle under the same id first; the till's own push was then answered
-- a signed 409 BUNDLE_ID_REUSED and its sales were rejected for good. Now another device's bundle
-- never clashes with a device's own; BUNDLE_ID_REUSED means only that this device sent other
-- content under an id it already used. Everything that hangs off a bundle names it by the pair.

ALTER TABLE offline_transactions DROP CONSTRAINT offline_transactions_bundle_id_fkey;
ALTER TABLE offline_reconciliation_queue DROP CONSTRAINT offline_reconciliation_queue_bundle_id_fkey;
ALTER TABLE offline_qr_tenders DROP CONSTRAINT offline_qr_tenders_bundle_id_fkey;

ALTER TABLE offline_tx_bundles DROP CONSTRAINT offline_tx_bundles_pkey;
ALTER TABLE offline_tx_bundles ADD CONSTRAINT offline_tx_bundles_pkey PRIMARY KEY (device_id, bundle_id);
-- The console's lookups by bundle_id alone (an ops reviewer who has no device id at hand).
CREATE INDEX offline_tx_bundles_bundle ON offline_tx_bundles (bundle_id);

ALTER TABLE offline_transactions ADD CONSTRAINT offline_transactions_bundle_fkey
  FOREIGN KEY (device_id, bundle_id) REFERENCES offline_tx_bundles (device_id, bundle_id);
DROP INDEX offline_transactions_bundle;
CREATE INDEX offline_transactions_bundle ON offline_transactions (device_id, bundle_id);

ALTER TABLE offline_reconciliation_queue ADD CONSTRAINT offline_reconciliation_queue_bundle_fkey
  FOREIGN KEY (device_id, bundle_id) REFERENCES offline_tx_bundles (device_id, bundle_id);

-- Deferred as before: the push writes its tenders before the statement that stores its bundle.
ALTER TABLE offline_qr_tenders ADD CONSTRAINT offline_qr_tenders_bundle_fkey
  FOREIGN KEY (device_id, bundle_id) REFERENCES offline_tx_bundles (device_id, bundle_id)
  DEFERRABLE INITIALLY DEFERRED;
DROP INDEX offline_qr_tenders_bundle;
CREATE INDEX offline_qr_tenders_bundle ON offline_qr_tenders (device_id, bundle_id);


-- The push's idempotency lookup: this device's bundle of that id only (was: any device's).
CREATE OR REPLACE FUNCTION offline_push_begin(
  p_device text,
  p_bundle uuid,
  p_nonce text,
  p_now timestamptz,
  p_seq_from bigint,
  p_seq_to bigint,
  p_days date[],
  p_earliest timestamptz
) RETURNS TABLE (device json, state json)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  v_device offline_devices%ROWTYPE;
BEGIN
  SELECT * INTO v_device FROM offline_devices d WHERE d.device_id = p_device FOR UPDATE;
  IF NOT FOUND THEN
    RETURN QUERY SELECT NULL::json, NULL::json;
    RETURN;
  END IF;
  RETURN QUERY SELECT
    json_build_object('device_id', v_device.device_id, 'status', v_device.status,
                      'tenant_type', v_device.tenant_type, 'tenant_id', v_device.tenant_id,
                      'country', v_device.country, 'pubkey_pem', v_device.pubkey_pem,
                      'enrolled_via', v_device.enrolled_via, 'user_id', v_device.user_id),
    json_build_object(
      'existing',
        (SELECT json_build_object('bundle_id', b.bundle_id, 'device_id', b.device_id,
                                  'signature', b.signature, 'push_answer', b.push_answer)
         FROM offline_tx_bundles b WHERE b.device_id = p_device AND b.bundle_id = p_bundle),
      'nonce_used',
        EXISTS (SELECT 1 FROM offline_bundle_nonces n
                WHERE n.device_id = p_device AND n.nonce = p_nonce AND n.expires_at > p_now),
      'overlap',
        EXISTS (SELECT 1 FROM offline_tx_bundles b
                WHERE b.device_id = p_device AND b.seq_from <= p_seq_to AND b.seq_to >= p_seq_from),
      'previous',
        (SELECT json_build_object('seq_to', b.seq_to::text, 'chain_head', b.chain_head,
                                  'last_sale_at', b.last_sale_at)
         FROM offline_tx_bundles b WHERE b.device_id = p_device AND b.seq_to < p_seq_from
         ORDER BY b.seq_to DESC LIMIT 1),
      'following',
        (SELECT json_build_object('bundle_id', b.bundle_id, 'prev_chain_head', b.prev_chain_head,
                                  'status', b.status, 'reasons', b.reasons)
         FROM offline_tx_bundles b WHERE b.device_id = p_device AND b.seq_from = p_seq_to + 1),
      'counts',
        (SELECT json_agg(json_build_object('day', to_char(c.day, 'YYYY-MM-DD'), 'n', c.offline_sales))
         FROM offline_device_days c
         WHERE c.device_id = p_device AND c.offline_sales > 0
           AND c.day = ANY (p_days)),
      'round_totals',
        (SELECT json_agg(b.totals) FROM offline_tx_bundles b
         WHERE b.device_id = p_device
           AND b.received_at > coalesce(
             (SELECT max(c.received_at) FROM offline_tx_bundles c
              WHERE c.device_id = p_device AND c.received_at < p_earliest),
             '-infinity'::timestamptz)),
      'policy',
        (SELECT json_build_object('country', p.country, 'currency', p.currency,
                  'max_offline_amount', p.max_offline_amount,
                  'max_offline_per_device_per_day', p.max_offline_per_device_per_day,
                  'max_unsynced_amount', p.max_unsynced_amount,
                  'max_bundle_age_hours', p.max_bundle_age_hours,
                  'approval_threshold', p.approval_threshold, 'enabled', p.enabled,
                  'version', p.version, 'updated_at', p.updated_at)
         FROM offline_policies p WHERE p.country = v_device.country));
END;
$$;

-- Down Migration
-- Fails while two devices hold the same bundle_id, which only this migration allowed.
CREATE OR REPLACE FUNCTION offline_push_begin(
  p_device text,
  p_bundle uuid,
  p_nonce text,
  p_now timestamptz,
  p_seq_from bigint,
  p_seq_to bigint,
  p_days date[],
  p_earliest timestamptz
) RETURNS TABLE (device json, state json)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  v_device offline_devices%ROWTYPE;
BEGIN
  SELECT * INTO v_device FROM offline_devices d WHERE d.device_id = p_device FOR UPDATE;
  IF NOT FOUND THEN
    RETURN QUERY SELECT NULL::json, NULL::json;
    RETURN;
  END IF;
  RETURN QUERY SELECT
    json_build_object('device_id', v_device.device_id, 'status', v_device.status,
                      'tenant_type', v_device.tenant_type, 'tenant_id', v_device.tenant_id,
                      'country', v_device.country, 'pubkey_pem', v_device.pubkey_pem,
                      'enrolled_via', v_device.enrolled_via, 'user_id', v_device.user_id),
    json_build_object(
      'existing',
        (SELECT json_build_object('bundle_id', b.bundle_id, 'device_id', b.device_id,
                                  'signature', b.signature, 'push_answer', b.push_answer)
         FROM offline_tx_bundles b WHERE b.bundle_id = p_bundle),
      'nonce_used',
        EXISTS (SELECT 1 FROM offline_bundle_nonces n
                WHERE n.device_id = p_device AND n.nonce = p_nonce AND n.expires_at > p_now),
      'overlap',
        EXISTS (SELECT 1 FROM offline_tx_bundles b
                WHERE b.device_id = p_device AND b.seq_from <= p_seq_to AND b.seq_to >= p_seq_from),
      'previous',
        (SELECT json_build_object('seq_to', b.seq_to::text, 'chain_head', b.chain_head,
                                  'last_sale_at', b.last_sale_at)
         FROM offline_tx_bundles b WHERE b.device_id = p_device AND b.seq_to < p_seq_from
         ORDER BY b.seq_to DESC LIMIT 1),
      'following',
        (SELECT json_build_object('bundle_id', b.bundle_id, 'prev_chain_head', b.prev_chain_head,
                                  'status', b.status, 'reasons', b.reasons)
         FROM offline_tx_bundles b WHERE b.device_id = p_device AND b.seq_from = p_seq_to + 1),
      'counts',
        (SELECT json_agg(json_build_object('day', to_char(c.day, 'YYYY-MM-DD'), 'n', c.offline_sales))
         FROM offline_device_days c
         WHERE c.device_id = p_device AND c.offline_sales > 0
           AND c.day = ANY (p_days)),
      'round_totals',
        (SELECT json_agg(b.totals) FROM offline_tx_bundles b
         WHERE b.device_id = p_device
           AND b.received_at > coalesce(
             (SELECT max(c.received_at) FROM offline_tx_bundles c
              WHERE c.device_id = p_device AND c.received_at < p_earliest),
             '-infinity'::timestamptz)),
      'policy',
        (SELECT json_build_object('country', p.country, 'currency', p.currency,
                  'max_offline_amount', p.max_offline_amount,
                  'max_offline_per_device_per_day', p.max_offline_per_device_per_day,
                  'max_unsynced_amount', p.max_unsynced_amount,
                  'max_bundle_age_hours', p.max_bundle_age_hours,
                  'approval_threshold', p.approval_threshold, 'enabled', p.enabled,
                  'version', p.version, 'updated_at', p.updated_at)
         FROM offline_policies p WHERE p.country = v_device.country));
END;
$$;

ALTER TABLE offline_qr_tenders DROP CONSTRAINT offline_qr_tenders_bundle_fkey;
ALTER TABLE offline_reconciliation_queue DROP CONSTRAINT offline_reconciliation_queue_bundle_fkey;
ALTER TABLE offline_transactions DROP CONSTRAINT offline_transactions_bundle_fkey;
DROP INDEX offline_qr_tenders_bundle;
CREATE INDEX offline_qr_tenders_bundle ON offline_qr_tenders (bundle_id);
DROP INDEX offline_transactions_bundle;
CREATE INDEX offline_transactions_bundle ON offline_transactions (bundle_id);
DROP INDEX offline_tx_bundles_bundle;
ALTER TABLE offline_tx_bundles DROP CONSTRAINT offline_tx_bundles_pkey;
ALTER TABLE offline_tx_bundles ADD CONSTRAINT offline_tx_bundles_pkey PRIMARY KEY (bundle_id);
ALTER TABLE offline_transactions ADD CONSTRAINT offline_transactions_bundle_id_fkey
  FOREIGN KEY (bundle_id) REFERENCES offline_tx_bundles (bundle_id);
ALTER TABLE offline_reconciliation_queue ADD CONSTRAINT offline_reconciliation_queue_bundle_id_fkey
  FOREIGN KEY (bundle_id) REFERENCES offline_tx_bundles (bundle_id);
ALTER TABLE offline_qr_tenders ADD CONSTRAINT offline_qr_tenders_bundle_id_fkey
  FOREIGN KEY (bundle_id) REFERENCES offline_tx_bundles (bundle_id) DEFERRABLE INITIALLY DEFERRED;
