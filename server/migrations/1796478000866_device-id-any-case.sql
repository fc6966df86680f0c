-- Up Migration
-- A device id names one device in any letter case (issue #16, eleventh and twelfth red-team
-- passes): "pos-1" enrolled beside a revoked "POS-1" became a second till. Ids are compared as
-- sent everywhere (signatures cover them byte for byte), so they are not rewritten: an id that
-- differs from a registered one only in case is refused as that id is (409 DEVICE_EXISTS). A
-- database that already holds two such ids stops here, naming them, for an operator to decide.
CREATE UNIQUE INDEX offline_devices_device_id_any_case ON offline_devices (lower(device_id));

-- Down Migration
DROP INDEX offline_devices_device_id_any_case;
