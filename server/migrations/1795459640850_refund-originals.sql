-- Up Migration

-- Refunds and voids are checked against what was already given back on their original sale, at
-- push and again when the worker posts them (server/payments/refunds.ts).
CREATE INDEX offline_transactions_original ON offline_transactions (original_sale_id)
  WHERE original_sale_id IS NOT NULL;

-- Down Migration

DROP INDEX offline_transactions_original;
