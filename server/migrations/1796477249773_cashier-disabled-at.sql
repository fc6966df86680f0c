-- Up Migration
-- When a shop's cashier was disabled (issue #16, twelfth red-team pass L-B): a pushed sale by a
-- cashier disabled before the sale's time is held for review (CASHIER_DISABLED), one recorded while
-- they were still active is not. Null while active; cashiers disabled before this column existed
-- take their last change as the time.
ALTER TABLE shop_cashiers ADD COLUMN disabled_at timestamptz;
UPDATE shop_cashiers SET disabled_at = updated_at WHERE disabled;

-- Down Migration
ALTER TABLE shop_cashiers DROP COLUMN disabled_at;
