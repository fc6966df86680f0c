-- Up Migration

-- Keys the audit log (issue #16, docs/operations.md "Audit log"). The SHA-256 chain alone has no
-- key: whoever can write the database could rewrite a row and recompute every hash after it. Now:
--
-- * each new row carries row_mac, an HMAC under a key derived from the master secret (which never
--   reaches the database), over the row's content and a random row_nonce. The server computes it
--   before the append, so the append stays one statement and needs no extra round trip under the
--   chain lock; a row's MAC does not depend on its place, so a later per-device or per-tenant chain
--   (issue #23) keeps it as is.
-- * offline_audit_checkpoints holds keyed checkpoints of the chain (an HMAC of a row's id and chain
--   hash, which covers every row before it): they pin the order, so rows cannot be removed,
--   inserted or reordered before the last checkpoint. Rows written before this migration get one
--   checkpoint each when the server first starts with the key (server/audit/checkpoint.ts).
ALTER TABLE offline_audit_logs ADD COLUMN row_mac text, ADD COLUMN row_nonce text;
-- Replaying a row (copying its content and MAC under a new id) repeats its nonce.
CREATE UNIQUE INDEX offline_audit_logs_row_nonce ON offline_audit_logs (row_nonce);

CREATE TABLE offline_audit_checkpoints (
  through_id bigint PRIMARY KEY,
  hash text NOT NULL,
  at timestamptz NOT NULL DEFAULT now(),
  mac text NOT NULL
);
CREATE TRIGGER offline_audit_checkpoints_no_change
  BEFORE UPDATE OR DELETE ON offline_audit_checkpoints
  FOR EACH ROW EXECUTE FUNCTION offline_audit_logs_append_only();
CREATE TRIGGER offline_audit_checkpoints_no_truncate
  BEFORE TRUNCATE ON offline_audit_checkpoints
  FOR EACH STATEMENT EXECUTE FUNCTION offline_audit_logs_append_only();

-- offline_audit_append (migration 1795459640851) with the row's MAC and nonce: same lock, same
-- unkeyed chain hash, one statement.
DROP FUNCTION offline_audit_append(timestamptz, text, text, text, text, text, jsonb, text, text);
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

-- Down Migration

DROP FUNCTION offline_audit_append(timestamptz, text, text, text, text, text, jsonb, text, text, text, text);
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
DROP TABLE offline_audit_checkpoints;
DROP INDEX offline_audit_logs_row_nonce;
ALTER TABLE offline_audit_logs DROP COLUMN row_mac, DROP COLUMN row_nonce;
