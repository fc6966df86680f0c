-- Up Migration

-- Public keys of payment issuers (wallets) whose customer payment QR codes terminals accept
-- (issue 4, item 6). Terminals pull the active ones with GET /offline/qr/issuers and verify QR
-- codes offline against them; a withdrawn key is kept, inactive, so the audit trail still names it.
CREATE TABLE qr_issuer_keys (
  issuer_id text NOT NULL CHECK (issuer_id ~ '^[a-z0-9][a-z0-9._-]{0,63}$'),
  key_id text NOT NULL CHECK (key_id ~ '^[A-Za-z0-9._-]{1,64}$'),
  name text NOT NULL,
  -- Raw 32-byte Ed25519 public key, base64url.
  public_key text NOT NULL CHECK (public_key ~ '^[A-Za-z0-9_-]{43}$'),
  active boolean NOT NULL DEFAULT true,
  updated_by uuid REFERENCES users (id),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (issuer_id, key_id)
);

-- Down Migration

DROP TABLE qr_issuer_keys;
