-- Up Migration

-- Offline payments (issue 4): pushed bundles, their sales, bundle nonces, the reconciliation
-- queue, the double-entry ledger and the catalog terminals pull. The constraints, not the code,
-- are what make a bundle, a sale and a ledger leg impossible to store twice.

-- One row per stored bundle. Rejected pushes store nothing here (only an audit row); a bundle
-- rejected later by review keeps its row with status 'rejected'.
CREATE TABLE offline_tx_bundles (
  bundle_id uuid PRIMARY KEY,
  device_id text NOT NULL REFERENCES offline_devices (device_id),
  tenant_type text,
  tenant_id text,
  country text,
  -- The device's Ed25519 signature over the envelope: the same bundle_id with another signature is
  -- other content (409 BUNDLE_ID_REUSED); with the same one it is a duplicate push.
  signature text NOT NULL,
  nonce text NOT NULL,
  server_key_id text NOT NULL,
  seq_from bigint NOT NULL CHECK (seq_from >= 1),
  seq_to bigint NOT NULL CHECK (seq_to >= seq_from),
  prev_chain_head text NOT NULL,
  chain_head text NOT NULL,
  device_clock timestamptz NOT NULL,
  status text NOT NULL CHECK (status IN ('accepted', 'review', 'quarantined', 'reconciled', 'rejected')),
  sira_score double precision NOT NULL CHECK (sira_score >= 0 AND sira_score <= 1),
  reasons jsonb NOT NULL DEFAULT '[]',
  tx_count integer NOT NULL CHECK (tx_count >= 1),
  -- [{ currency, total_minor }]: the amounts of kind 'sale' (refunds and voids are listed per
  -- transaction), saturated at 2^53 - 1.
  totals jsonb NOT NULL DEFAULT '[]',
  -- The first answer (status, sira_score, reasons, transactions_count): a duplicate push gets it back.
  push_answer jsonb NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  reconciled_at timestamptz,
  reviewed_by uuid REFERENCES users (id),
  reviewed_at timestamptz,
  review_note text,
  -- Pull cursors: the transaction that last changed the row (see server/payments/pull.ts).
  change_xid xid8 NOT NULL DEFAULT pg_current_xact_id()
);
CREATE INDEX offline_tx_bundles_device_seq ON offline_tx_bundles (device_id, seq_from);
CREATE INDEX offline_tx_bundles_device_change ON offline_tx_bundles (device_id, change_xid);
CREATE INDEX offline_tx_bundles_review ON offline_tx_bundles (status) WHERE status IN ('review', 'quarantined');

-- One row per signed sale (kind sale, refund or void). (device_id, seq) is unique: two bundles can
-- never both hold a device's sale n, whatever the timing of their pushes.
CREATE TABLE offline_transactions (
  sale_id uuid PRIMARY KEY,
  bundle_id uuid NOT NULL REFERENCES offline_tx_bundles (bundle_id),
  device_id text NOT NULL,
  seq bigint NOT NULL,
  kind text NOT NULL CHECK (kind IN ('sale', 'refund', 'void')),
  original_sale_id uuid,
  currency text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  total_minor bigint NOT NULL CHECK (total_minor >= 0),
  tax_minor bigint NOT NULL CHECK (tax_minor >= 0),
  -- Net money per tender type (cash is amount minus change); never card numbers or tokens.
  cash_minor bigint NOT NULL CHECK (cash_minor >= 0),
  card_minor bigint NOT NULL CHECK (card_minor >= 0),
  qr_minor bigint NOT NULL CHECK (qr_minor >= 0),
  created_at timestamptz NOT NULL,
  online boolean NOT NULL,
  override_used boolean NOT NULL DEFAULT false,
  invalid boolean NOT NULL DEFAULT false,
  sale_hash text NOT NULL,
  status text NOT NULL CHECK (status IN ('pending', 'reconciled', 'held', 'rejected')),
  reconciled_at timestamptz,
  UNIQUE (device_id, seq)
);
CREATE INDEX offline_transactions_bundle ON offline_transactions (bundle_id);
CREATE INDEX offline_transactions_device_day ON offline_transactions (device_id, created_at);

-- Bundle nonces, kept at least as long as the longest accepted bundle age (see push.ts).
CREATE TABLE offline_bundle_nonces (
  device_id text NOT NULL,
  nonce text NOT NULL,
  bundle_id uuid NOT NULL,
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (device_id, nonce)
);
CREATE INDEX offline_bundle_nonces_expiry ON offline_bundle_nonces (expires_at);

-- The reconciliation queue: claimed with FOR UPDATE SKIP LOCKED (server/worker/reconcile.ts).
CREATE TABLE offline_reconciliation_queue (
  bundle_id uuid PRIMARY KEY REFERENCES offline_tx_bundles (bundle_id),
  enqueued_at timestamptz NOT NULL DEFAULT now(),
  run_after timestamptz NOT NULL DEFAULT now(),
  attempts integer NOT NULL DEFAULT 0,
  last_error text
);
CREATE INDEX offline_reconciliation_queue_ready ON offline_reconciliation_queue (run_after, enqueued_at);

-- Double-entry ledger. Exactly one side of each row is non-zero, and (sale_id, leg) is unique: a
-- transaction's entries cannot be written twice, even by a worker that died before marking it.
CREATE TABLE ledger_entries (
  id bigserial PRIMARY KEY,
  sale_id uuid NOT NULL REFERENCES offline_transactions (sale_id),
  bundle_id uuid NOT NULL,
  leg text NOT NULL,
  account text NOT NULL,
  currency text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  debit_minor bigint NOT NULL DEFAULT 0 CHECK (debit_minor >= 0),
  credit_minor bigint NOT NULL DEFAULT 0 CHECK (credit_minor >= 0),
  -- Refunds and voids: the sale they reverse.
  reverses_sale_id uuid,
  created_at timestamptz NOT NULL DEFAULT now(),
  CHECK ((debit_minor = 0) <> (credit_minor = 0)),
  UNIQUE (sale_id, leg)
);
CREATE INDEX ledger_entries_account ON ledger_entries (account, currency);

-- What terminals sell, per tenant; pulled with GET /offline/sync/payments.
CREATE TABLE offline_catalog_items (
  tenant_type text NOT NULL CHECK (tenant_type IN ('merchant', 'agent', 'school')),
  tenant_id text NOT NULL,
  sku text NOT NULL,
  barcode text,
  name text NOT NULL,
  price_minor bigint NOT NULL CHECK (price_minor >= 0),
  currency text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  tax_rate_bp integer NOT NULL CHECK (tax_rate_bp BETWEEN 0 AND 10000),
  active boolean NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  change_xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
  PRIMARY KEY (tenant_type, tenant_id, sku)
);
CREATE INDEX offline_catalog_items_change ON offline_catalog_items (tenant_type, tenant_id, change_xid);

-- Down Migration

DROP TABLE offline_catalog_items;
DROP TABLE ledger_entries;
DROP TABLE offline_reconciliation_queue;
DROP TABLE offline_bundle_nonces;
DROP TABLE offline_transactions;
DROP TABLE offline_tx_bundles;
