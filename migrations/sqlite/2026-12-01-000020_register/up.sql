-- Council set-up (issue 14): councils with short names, wards and retirement; the register of
-- members with titles, addresses, end reasons; accounts with the council they present and the
-- dates they were in use; council-owned codes and protocols; CSV imports kept between preview
-- and confirm.

ALTER TABLE authorities ADD COLUMN short_name TEXT;
ALTER TABLE authorities ADD COLUMN retired_on DATE;

CREATE TABLE wards (
    id TEXT PRIMARY KEY NOT NULL,
    authority_id TEXT NOT NULL REFERENCES authorities (id),
    name TEXT NOT NULL,
    retired_on DATE,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (authority_id, name)
);

ALTER TABLE members ADD COLUMN title TEXT;
ALTER TABLE members ADD COLUMN postal_address TEXT;

ALTER TABLE memberships ADD COLUMN end_reason TEXT;
ALTER TABLE memberships ADD COLUMN updated_at TIMESTAMP NOT NULL DEFAULT '2026-12-01 00:00:00';
UPDATE memberships SET updated_at = created_at;

ALTER TABLE member_accounts ADD COLUMN authority_id TEXT REFERENCES authorities (id);
ALTER TABLE member_accounts ADD COLUMN presents_role TEXT;
ALTER TABLE member_accounts ADD COLUMN in_use_from DATE;
ALTER TABLE member_accounts ADD COLUMN in_use_to DATE;
ALTER TABLE member_accounts ADD COLUMN updated_at TIMESTAMP NOT NULL DEFAULT '2026-12-01 00:00:00';
UPDATE member_accounts SET updated_at = created_at;
CREATE INDEX member_accounts_handle_idx ON member_accounts (platform, handle);

ALTER TABLE codes_of_conduct ADD COLUMN authority_id TEXT REFERENCES authorities (id);
ALTER TABLE codes_of_conduct ADD COLUMN kind TEXT NOT NULL DEFAULT 'code';

CREATE TABLE register_imports (
    id TEXT PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL,
    filename TEXT NOT NULL,
    csv TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    applied_at TIMESTAMP,
    summary TEXT
);
CREATE INDEX register_imports_created_idx ON register_imports (created_at);
