-- Up Migration
-- Every customer payment QR a stored sale was paid with, by the issuer's signature of the token: a
-- token is one payment, so the same signature on a second sale (another till, another bundle) is
-- flagged however the terminals were partitioned when they accepted it.
CREATE TABLE offline_qr_uses (
  signature text PRIMARY KEY,
  sale_id uuid NOT NULL,
  device_id text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Down Migration
DROP TABLE offline_qr_uses;
