-- SCA devices (Treezor's SCA Wallets) of end users. A deleted device stays, with its
-- deletion date, for customer service and fraud analysis: the database refuses to erase one.
CREATE TABLE sca_devices (
    id               BIGSERIAL PRIMARY KEY,
    user_id          BIGINT  NOT NULL REFERENCES end_users(id),
    status           TEXT    NOT NULL,
    passcode_status  TEXT    NOT NULL,
    locked           BIGINT  NOT NULL DEFAULT 0,
    lock_reason      TEXT,
    lock_message     TEXT,
    -- 'web' or 'mobile'; the mobile_* columns describe a mobile device's phone.
    device_kind      TEXT    NOT NULL,
    mobile_os        TEXT,
    mobile_os_version TEXT,
    mobile_brand     TEXT,
    mobile_model     TEXT,
    sca_wallet_tag   TEXT,
    creation_date    TEXT    NOT NULL,
    activation_date  TEXT,
    lock_date        TEXT,
    unlock_date      TEXT,
    reset_pin_date   TEXT,
    deletion_date    TEXT
);
CREATE INDEX sca_devices_by_user ON sca_devices (user_id, id);

CREATE FUNCTION sca_devices_refuse_erase() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'SCA devices are never erased: delete marks them DELETED';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER sca_devices_refuse_delete BEFORE DELETE ON sca_devices
    FOR EACH ROW EXECUTE FUNCTION sca_devices_refuse_erase();
CREATE TRIGGER sca_devices_refuse_truncate BEFORE TRUNCATE ON sca_devices
    FOR EACH STATEMENT EXECUTE FUNCTION sca_devices_refuse_erase();
