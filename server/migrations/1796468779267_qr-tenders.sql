-- Up Migration
-- Every QR tender of every stored sale, by the issuer's signature of its token (issue #16, eleventh
-- red-team pass M-2). offline_qr_uses keeps one claim per token; this keeps every sale that named it,
-- claimed or not, so a reviewer's approval can be refused when the same QR is already on a sale that
-- was accepted (server/payments/qr-uses.ts, qrAlreadyCredited). Approvals lock these rows by
-- signature, so two racing approvals of one QR serialise.
CREATE TABLE offline_qr_tenders (
  signature text NOT NULL,
  device_id text NOT NULL,
  sale_id uuid NOT NULL,
  -- Deferred: the push writes its tenders before the statement that stores its bundle (push.ts).
  bundle_id uuid NOT NULL REFERENCES offline_tx_bundles (bundle_id) DEFERRABLE INITIALLY DEFERRED,
  PRIMARY KEY (signature, device_id, sale_id)
);
CREATE INDEX offline_qr_tenders_bundle ON offline_qr_tenders (bundle_id);

-- The claims stored before this table: the tenders known by signature then.
INSERT INTO offline_qr_tenders (signature, device_id, sale_id, bundle_id)
SELECT u.signature, u.device_id, u.sale_id, t.bundle_id
FROM offline_qr_uses u JOIN offline_transactions t ON t.device_id = u.device_id AND t.sale_id = u.sale_id
ON CONFLICT DO NOTHING;

-- Down Migration
DROP TABLE offline_qr_tenders;
