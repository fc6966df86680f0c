-- Up Migration

-- The audit log as many chains instead of one (issue #23 item 1, docs/scaling.md "The audit log").
-- Every append used to take one advisory lock, held until COMMIT, so every audited write of every
-- server serialised on it. Now each row belongs to a chain named by who acted (`device:<id>`,
-- `user:<id>`, `system:<worker id>`, server/audit/chain.ts auditChain) and links to the row
-- committed before it in that chain only. The lock is the row of offline_audit_heads for that
-- chain: two tills never wait for each other, and within a chain the row lock makes id order the
-- commit order, which the checkpointer and audit:verify rely on (they walk each chain by id).
--
-- Rows written before this migration keep chain '' (the old single chain, hashed without a chain
-- field, so their hashes stand) and their checkpoints keep chain '' and no seq.
ALTER TABLE offline_audit_logs ADD COLUMN chain text NOT NULL DEFAULT '';
CREATE INDEX offline_audit_logs_chain ON offline_audit_logs (chain, id);

CREATE TABLE offline_audit_heads (
  chain text PRIMARY KEY,
  head_id bigint NOT NULL,
  head_hash text NOT NULL
);
-- The legacy chain, so the checkpointer still finds rows written before the key and pins them.
INSERT INTO offline_audit_heads (chain, head_id, head_hash)
  SELECT '', a.id, a.hash FROM offline_audit_logs a ORDER BY a.id DESC LIMIT 1;

-- Checkpoints now pin one chain each. seq numbers them 1, 2, 3… with no gap, written by the
-- checkpointer only (never on the hot path), and is under the checkpoint's MAC: a checkpoint
-- removed (with the whole chain it pinned) leaves a gap, and the newest ones are held by the anchor
-- outside the database.
ALTER TABLE offline_audit_checkpoints ADD COLUMN chain text NOT NULL DEFAULT '', ADD COLUMN seq bigint;
CREATE UNIQUE INDEX offline_audit_checkpoints_seq ON offline_audit_checkpoints (seq);
CREATE INDEX offline_audit_checkpoints_chain ON offline_audit_checkpoints (chain, through_id);

DROP FUNCTION offline_audit_append(timestamptz, text, text, text, text, text, jsonb, text, text, text, text);
-- One statement, as before: the head row's lock (INSERT … ON CONFLICT DO UPDATE locks the newest
-- version of the row even when this snapshot cannot see it, and returns it), the id, the hash and
-- the insert. VOLATILE, so the UPDATE of the head sees the row inserted here.
CREATE FUNCTION offline_audit_append(
  p_chain text,
  p_at timestamptz,
  p_actor_type text,
  p_actor_id text,
  p_action text,
  p_target_type text,
  p_target_id text,
  p_details jsonb,
  p_head text,
  p_tail text,
  p_row_mac text,
  p_row_nonce text
) RETURNS TABLE (audit_id bigint, audit_hash text)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  v_prev text;
  v_id bigint;
  v_hash text;
BEGIN
  INSERT INTO offline_audit_heads AS h (chain, head_id, head_hash)
    VALUES (p_chain, 0, repeat('0', 64))
    ON CONFLICT (chain) DO UPDATE SET head_id = h.head_id
    RETURNING h.head_hash INTO v_prev;
  v_id := nextval(pg_get_serial_sequence('offline_audit_logs', 'id'));
  v_hash := encode(sha256(convert_to(
    p_head || '"' || v_id::text || '","prev_hash":"' || v_prev || '"' || p_tail, 'UTF8')), 'hex');
  INSERT INTO offline_audit_logs (id, chain, at, actor_type, actor_id, action, target_type, target_id,
    details, prev_hash, hash, row_mac, row_nonce)
  VALUES (v_id, p_chain, p_at, p_actor_type, p_actor_id, p_action, p_target_type, p_target_id, p_details,
    v_prev, v_hash, p_row_mac, p_row_nonce);
  UPDATE offline_audit_heads SET head_id = v_id, head_hash = v_hash WHERE chain = p_chain;
  RETURN QUERY SELECT v_id, v_hash;
END;
$$;

-- Down Migration

DROP FUNCTION offline_audit_append(text, timestamptz, text, text, text, text, text, jsonb, text, text, text, text);
CREATE FUNCTION offline_audit_append(
  p_at timestamptz,
  p_actor_type text,
  p_actor_id text,
  p_action text,
  p_target_type text,
  p_target_id text,
  p_details jsonb,
  p_head text,
  p_tail text,
  p_row_mac text,
  p_row_nonce text
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
    prev_hash, hash, row_mac, row_nonce)
  VALUES (v_id, p_at, p_actor_type, p_actor_id, p_action, p_target_type, p_target_id, p_details, v_prev,
    v_hash, p_row_mac, p_row_nonce);
  RETURN QUERY SELECT v_id, v_hash;
END;
$$;
DROP INDEX offline_audit_checkpoints_chain;
DROP INDEX offline_audit_checkpoints_seq;
ALTER TABLE offline_audit_checkpoints DROP COLUMN chain, DROP COLUMN seq;
DROP TABLE offline_audit_heads;
DROP INDEX offline_audit_logs_chain;
ALTER TABLE offline_audit_logs DROP COLUMN chain;
