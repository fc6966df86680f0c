-- Up Migration
-- A shop's cashiers, managed from the back office (issue #19, item 3). The PIN is kept only as an
-- scrypt verifier (the shape tills check offline), never in clear; it is never answered to the
-- console nor audited. Ids are never reused within a tenant: a disabled cashier keeps theirs.
CREATE TABLE shop_cashiers (
  tenant_type text NOT NULL CHECK (tenant_type IN ('merchant', 'agent', 'school')),
  tenant_id text NOT NULL,
  cashier_id text NOT NULL CHECK (cashier_id ~ '^[A-Za-z0-9._-]{1,64}$'),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  role text NOT NULL CHECK (role IN ('cashier', 'manager')),
  pin_verifier jsonb NOT NULL,
  disabled boolean NOT NULL DEFAULT false,
  pin_set_at timestamptz NOT NULL DEFAULT now(),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_type, tenant_id, cashier_id)
);

-- The version of each tenant's roster: raised in the same transaction as every change to its
-- cashiers, so a till can refuse a roster older than the one it holds (a replay from before a PIN
-- reset or a disable).
CREATE TABLE shop_rosters (
  tenant_type text NOT NULL,
  tenant_id text NOT NULL,
  version bigint NOT NULL CHECK (version > 0),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_type, tenant_id)
);

-- Down Migration
DROP TABLE shop_rosters;
DROP TABLE shop_cashiers;
