-- Up Migration
-- The back office's audit log page (issue #19, item 10) filters the chain by actor, action, target
-- and day, newest first (server/audit/log.ts). Each filter has its index, ending in the id the page
-- is ordered and keyset-paged on, so a filter that matches few rows does not walk the whole log.
CREATE INDEX offline_audit_logs_actor ON offline_audit_logs (actor_id, id);
CREATE INDEX offline_audit_logs_action ON offline_audit_logs (action, id);
CREATE INDEX offline_audit_logs_target ON offline_audit_logs (target_type, target_id, id);
CREATE INDEX offline_audit_logs_at ON offline_audit_logs (at);

-- Down Migration
DROP INDEX offline_audit_logs_at;
DROP INDEX offline_audit_logs_target;
DROP INDEX offline_audit_logs_action;
DROP INDEX offline_audit_logs_actor;
