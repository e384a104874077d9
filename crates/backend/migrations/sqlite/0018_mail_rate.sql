-- Emails queued per address and hour (unix hour), so that no address gets more than a few an
-- hour whatever asks for them (sign-ups, password resets). Old hours are swept.
CREATE TABLE mail_rate (
    address  TEXT    NOT NULL,
    hour     INTEGER NOT NULL,
    sent     INTEGER NOT NULL,
    PRIMARY KEY (address, hour)
);
CREATE INDEX mail_rate_by_hour ON mail_rate (hour);
