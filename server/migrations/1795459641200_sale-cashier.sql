-- Up Migration
-- The cashier signed in at the till when a sale, refund or void was recorded (issue #18): the
-- sale's optional cashier_id, as the terminal signed it. Sales of tills older than cashier accounts
-- carry none and keep NULL.
ALTER TABLE offline_transactions ADD COLUMN cashier_id text;

-- Down Migration
ALTER TABLE offline_transactions DROP COLUMN cashier_id;
