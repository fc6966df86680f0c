-- Up Migration
-- Online authorisations (issue #18, item 7): the server's word that one sale of one terminal, of
-- this amount and currency, may be above the policy's max_offline_amount. Issued by
-- POST /offline/online-authorisations, used at most once by the push that carries the sale
-- (server/payments/online-authorisations.ts sets used_at and used_by_bundle in the push's
-- transaction). `signature` is the signature of the statement the till got, which the sale repeats.
CREATE TABLE offline_online_authorisations (
  authorisation_id uuid PRIMARY KEY,
  device_id text NOT NULL REFERENCES offline_devices (device_id),
  sale_id uuid NOT NULL UNIQUE,
  amount_minor bigint NOT NULL CHECK (amount_minor > 0),
  currency text NOT NULL,
  signature text NOT NULL,
  issued_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  used_at timestamptz,
  used_by_bundle uuid
);

-- Down Migration
DROP TABLE offline_online_authorisations;
