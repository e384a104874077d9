-- End users (seed "Users API"): never deleted, only CANCELED. One column per field of
-- shared::user_fields::FIELDS (snake_case of the API name), plus the server-managed state.

CREATE TABLE end_users (
    id                  BIGSERIAL PRIMARY KEY,
    user_status         TEXT    NOT NULL DEFAULT 'PENDING',
    code_status         BIGINT,
    kyc_level           BIGINT  NOT NULL DEFAULT 0,
    kyc_review          BIGINT  NOT NULL DEFAULT 0,
    kyc_review_comment  TEXT,
    is_frozen           BIGINT  NOT NULL DEFAULT 0,
    created_date        TEXT    NOT NULL,
    modified_date       TEXT    NOT NULL,
    user_type_id                   BIGINT,
    user_tag                       TEXT,
    parent_user_id                 BIGINT,
    parent_type                    TEXT,
    specified_u_s_person           BIGINT,
    controlling_person_type        BIGINT,
    employee_type                  BIGINT,
    entity_type                    BIGINT,
    title                          TEXT,
    firstname                      TEXT,
    lastname                       TEXT,
    middle_names                   TEXT,
    birthday                       TEXT,
    email                          TEXT,
    address1                       TEXT,
    address2                       TEXT,
    address3                       TEXT,
    postcode                       TEXT,
    city                           TEXT,
    state                          TEXT,
    country                        TEXT,
    distribution_country           TEXT,
    secondary_address1             TEXT,
    secondary_address2             TEXT,
    secondary_address3             TEXT,
    secondary_postcode             TEXT,
    secondary_city                 TEXT,
    secondary_state                TEXT,
    secondary_country              TEXT,
    phone                          TEXT,
    mobile                         TEXT,
    nationality                    TEXT,
    nationality_other              TEXT,
    place_of_birth                 TEXT,
    birth_country                  TEXT,
    occupation                     TEXT,
    income_range                   TEXT,
    legal_name                     TEXT,
    legal_registration_number      TEXT,
    legal_tva_number               TEXT,
    legal_registration_date        TEXT,
    legal_form                     TEXT,
    legal_share_capital            BIGINT,
    legal_sector                   TEXT,
    legal_annual_turn_over         TEXT,
    legal_net_income_range         TEXT,
    legal_number_of_employee_range TEXT,
    effective_beneficiary          BIGINT,
    language                       TEXT,
    tax_number                     TEXT,
    tax_residence                  TEXT,
    position                       TEXT,
    personal_assets                TEXT,
    activity_outside_eu            BIGINT,
    economic_sanctions             BIGINT,
    resident_countries_sanctions   BIGINT,
    involved_sanctions             BIGINT,
    entity_sanctions_questionnaire BIGINT,
    timezone                       TEXT,
    occupation_type                TEXT,
    source_of_funds                TEXT,
    legal_sector_type              TEXT,
    is_on_stock_exchange           BIGINT,
    occupation_category            BIGINT,
    personal_assets_range          BIGINT,
    monthly_income_range           BIGINT
);
-- Emails are unique without regard to case.
CREATE UNIQUE INDEX end_users_email ON end_users (lower(email));
CREATE INDEX end_users_parent ON end_users (parent_user_id);
CREATE INDEX end_users_tag ON end_users (user_tag);
CREATE INDEX end_users_created ON end_users (created_date);
CREATE INDEX end_users_modified ON end_users (modified_date);
CREATE INDEX end_users_type_status_created ON end_users (user_type_id, user_status, created_date);
CREATE INDEX end_users_status_created ON end_users (user_status, created_date);

-- Minimal wallets (full management comes later): enough for the deactivation rule.
CREATE TABLE wallets (
    id              BIGSERIAL PRIMARY KEY,
    user_id         BIGINT  NOT NULL REFERENCES end_users(id),
    wallet_type_id  BIGINT  NOT NULL DEFAULT 9,
    wallet_status   TEXT    NOT NULL DEFAULT 'VALIDATED',
    currency        TEXT    NOT NULL DEFAULT 'EUR',
    balance         BIGINT  NOT NULL DEFAULT 0,    -- minor units (cents)
    created_date    TEXT    NOT NULL
);
CREATE INDEX wallets_by_user ON wallets (user_id);
