-- Up Migration
-- What PostgreSQL spends per pushed and per reconciled sale (issue #23's ingest target;
-- docs/scaling.md "The ingest benchmark").
--
-- Two indexes of ledger_entries that no statement reads: every posted leg (three a sale) paid for
-- them. ledger_entries_account (account, currency) has a handful of distinct keys (one revenue,
-- tax, card and QR account a tenant), so every posting inserted into the same few leaf pages;
-- nothing filters the ledger by account (the ledger check groups by currency and by sale, the
-- takings read the sales). ledger_entries_id (id) was kept by migration 1796490900000 for
-- lookups by id alone, and there are none. The primary key (device_id, id) and the unique
-- (device_id, sale_id, leg) that makes a second posting impossible stay.
DROP INDEX ledger_entries_account;
DROP INDEX ledger_entries_id;
-- Room on each page of the sales for their reconciliation: the worker's UPDATE of status and
-- reconciled_at (neither indexed) stays on the page (HOT) only if the new row versions fit there,
-- and a bundle's sales, written together, share their pages. Full pages made each of those updates
-- a new row version in all five indexes of the table. Applies to pages written from now on.
ALTER TABLE offline_transactions SET (fillfactor = 50);

-- Down Migration
ALTER TABLE offline_transactions RESET (fillfactor);
CREATE INDEX ledger_entries_id ON ledger_entries (id);
CREATE INDEX ledger_entries_account ON ledger_entries (account, currency);
