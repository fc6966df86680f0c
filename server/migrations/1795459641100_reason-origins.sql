-- Up Migration
-- Score reasons record why they were added where that decides what later removes them
-- (server/payments/bundle-states.ts, ReasonOrigin): a SEQUENCE_GAP against what the server held
-- ("held_gap", cleared when a later push fills the gap) and a REFUND_MISMATCH found at posting
-- ("posting", replaced by the next posting check's). Until now both were recognised by the start
-- of their detail text; this marks the reasons of bundles stored before, once, by that same text,
-- so that no code reads it again. Reasons keep their order; answers never show the field.
UPDATE offline_tx_bundles b
SET reasons = (
  SELECT jsonb_agg(
           CASE
             WHEN e.r->>'code' = 'SEQUENCE_GAP' AND starts_with(e.r->>'detail', 'server holds sales up to')
               THEN e.r || '{"origin": "held_gap"}'::jsonb
             WHEN e.r->>'code' = 'REFUND_MISMATCH' AND starts_with(e.r->>'detail', 'at posting: ')
               THEN e.r || '{"origin": "posting"}'::jsonb
             ELSE e.r
           END ORDER BY e.i)
  FROM jsonb_array_elements(b.reasons) WITH ORDINALITY AS e(r, i))
WHERE EXISTS (
  SELECT 1 FROM jsonb_array_elements(b.reasons) AS x(r)
  WHERE (x.r->>'code' = 'SEQUENCE_GAP' AND starts_with(x.r->>'detail', 'server holds sales up to'))
     OR (x.r->>'code' = 'REFUND_MISMATCH' AND starts_with(x.r->>'detail', 'at posting: ')));

-- Down Migration
UPDATE offline_tx_bundles b
SET reasons = (
  SELECT jsonb_agg(e.r - 'origin' ORDER BY e.i)
  FROM jsonb_array_elements(b.reasons) WITH ORDINALITY AS e(r, i))
WHERE EXISTS (SELECT 1 FROM jsonb_array_elements(b.reasons) AS x(r) WHERE x.r ? 'origin');
