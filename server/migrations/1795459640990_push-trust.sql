-- Up Migration
-- Issue #16. offline_push_begin also answers:
-- - how the device was registered and for whom: the push takes sales only from a POS terminal of a
--   tenant (enrolled_via 'admin' or 'code', with a tenant and no user), never from a laptop a user
--   registered for reading;
-- - round_totals: the totals of the device's bundles stored since its last contact before the
--   bundle's earliest sale (p_earliest). Those sales were all unsynced at once, so
--   max_unsynced_amount holds for them together: a terminal cannot slip under it by cutting what it
--   took offline into many small bundles. The contact is the newest bundle received before that
--   sale, found on the index below in one step.
-- Everything else is unchanged from migration 1795459640940.
CREATE INDEX offline_tx_bundles_device_received ON offline_tx_bundles (device_id, received_at);

DROP FUNCTION offline_push_begin(text, uuid, text, timestamptz, bigint, bigint, date[]);
CREATE FUNCTION offline_push_begin(
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

-- Down Migration
DROP FUNCTION offline_push_begin(text, uuid, text, timestamptz, bigint, bigint, date[], timestamptz);
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
DROP INDEX offline_tx_bundles_device_received;
