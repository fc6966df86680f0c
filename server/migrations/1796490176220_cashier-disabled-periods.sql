-- Up Migration
-- Every period a shop's cashier was disabled, kept when they are enabled again (issue #16, 13th
-- red-team pass leftover). shop_cashiers.disabled_at is cleared on re-enabling: a sale a till with a
-- stale roster recorded while the cashier was disabled, pushed after they were enabled again, was
-- accepted silently. The push now judges each sale's time against these periods
-- (server/payments/cashiers.ts): disabled_at <= created_at and (enabled_at IS NULL or created_at <
-- enabled_at) is CASHIER_DISABLED, held for review.
CREATE TABLE shop_cashier_disabled_periods (
  tenant_type text NOT NULL,
  tenant_id text NOT NULL,
  cashier_id text NOT NULL,
  disabled_at timestamptz NOT NULL,
  -- Null while the cashier is still disabled.
  enabled_at timestamptz CHECK (enabled_at IS NULL OR enabled_at >= disabled_at),
  PRIMARY KEY (tenant_type, tenant_id, cashier_id, disabled_at),
  FOREIGN KEY (tenant_type, tenant_id, cashier_id)
    REFERENCES shop_cashiers (tenant_type, tenant_id, cashier_id) ON DELETE CASCADE
);
-- At most one open period per cashier.
CREATE UNIQUE INDEX shop_cashier_disabled_periods_open
  ON shop_cashier_disabled_periods (tenant_type, tenant_id, cashier_id) WHERE enabled_at IS NULL;

-- The cashiers disabled now: their open period. Earlier periods were not recorded before this.
INSERT INTO shop_cashier_disabled_periods (tenant_type, tenant_id, cashier_id, disabled_at)
SELECT tenant_type, tenant_id, cashier_id, coalesce(disabled_at, updated_at) FROM shop_cashiers WHERE disabled;

-- Down Migration
DROP TABLE shop_cashier_disabled_periods;
