-- Up Migration

-- Appends one audit row in one round trip (server/audit/chain.ts). Every writer of the chain
-- serialises on one advisory lock until its transaction ends; doing the lock, the read of the last
-- hash, the id and the insert here, in one statement, keeps that serialised stretch to a single
-- round trip plus the COMMIT, instead of four round trips through a busy Node event loop.
--
-- The hash is SHA-256 over the canonical JSON (RFC 8785) of the row, built by the caller with every
-- field but id and prev_hash, which only the lock holder knows: p_head is the canonical JSON up to
-- the id value, p_tail everything after the prev_hash value. Both are plain ASCII digits/hex, so
-- pasting them in gives exactly the bytes canonicalize would have produced (verify.ts re-checks).
--
-- VOLATILE, so each statement inside takes a fresh snapshot: the read of the last row runs after
-- the lock is held and sees the row committed by the previous holder.
CREATE FUNCTION offline_audit_append(
  p_at timestamptz,
  p_actor_type text,
  p_actor_id text,
  p_action text,
  p_target_type text,
  p_target_id text,
  p_details jsonb,
  p_head text,
  p_tail text
) RETURNS TABLE (audit_id bigint, audit_hash text)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  v_prev text;
  v_id bigint;
  v_hash text;
BEGIN
  PERFORM pg_advisory_xact_lock(7209431877020381);
  SELECT a.hash INTO v_prev FROM offline_audit_logs a ORDER BY a.id DESC LIMIT 1;
  v_prev := coalesce(v_prev, repeat('0', 64));
  v_id := nextval(pg_get_serial_sequence('offline_audit_logs', 'id'));
  v_hash := encode(sha256(convert_to(
    p_head || '"' || v_id::text || '","prev_hash":"' || v_prev || '"' || p_tail, 'UTF8')), 'hex');
  INSERT INTO offline_audit_logs (id, at, actor_type, actor_id, action, target_type, target_id, details,
    prev_hash, hash)
  VALUES (v_id, p_at, p_actor_type, p_actor_id, p_action, p_target_type, p_target_id, p_details, v_prev,
    v_hash);
  RETURN QUERY SELECT v_id, v_hash;
END;
$$;

-- Down Migration

DROP FUNCTION offline_audit_append(timestamptz, text, text, text, text, text, jsonb, text, text);
