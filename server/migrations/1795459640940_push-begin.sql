-- Up Migration
-- What a push reads before it writes, as one function: the device's row, locked, then everything
-- the checks need. A function because PL/pgSQL keeps each statement's plan for the session: as a
-- query sent with its values written in, the state statement was planned again on every push, which
-- cost about as much as running it. Two statements because of READ COMMITTED: the second one takes
-- its snapshot after the lock is granted, so it sees whatever a concurrent push of the same device
-- committed before that.
--
-- Sales already stored under the bundle's sale ids are not looked up here: the primary key refuses
-- them at the insert, and the push answers SEQUENCE_CONFLICT from that.
--
-- p_days: the UTC days on which the bundle has offline sales, each once.

-- The newest sale of each bundle, kept on the bundle: the next push of the device compares its
-- sales with it, and reading it here is one row instead of the previous bundle's sales.
ALTER TABLE offline_tx_bundles ADD COLUMN last_sale_at timestamptz;
UPDATE offline_tx_bundles b
SET last_sale_at = (SELECT max(t.created_at) FROM offline_transactions t WHERE t.bundle_id = b.bundle_id);

-- Offline sales (any kind, any status) per device and UTC day, kept by the push's insert: the daily
-- limit is checked against one row per day instead of counting a busy till's sales on every push.
CREATE TABLE offline_device_days (
  device_id text NOT NULL,
  day date NOT NULL,
  offline_sales integer NOT NULL CHECK (offline_sales >= 0),
  PRIMARY KEY (device_id, day)
);
INSERT INTO offline_device_days (device_id, day, offline_sales)
SELECT device_id, (created_at AT TIME ZONE 'UTC')::date, count(*)
FROM offline_transactions WHERE NOT online GROUP BY 1, 2;

CREATE FUNCTION offline_push_begin(
  p_device text,
  p_bundle uuid,
  p_nonce text,
  p_now timestamptz,
  p_seq_from bigint,
  p_seq_to bigint,
  p_days date[]
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
                      'country', v_device.country, 'pubkey_pem', v_device.pubkey_pem),
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
DROP FUNCTION offline_push_begin(text, uuid, text, timestamptz, bigint, bigint, date[]);
DROP TABLE offline_device_days;
ALTER TABLE offline_tx_bundles DROP COLUMN last_sale_at;
