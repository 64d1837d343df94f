-- Core schema for the whole complaint journey. Shared column types only (TEXT, INTEGER, BIGINT,
-- BOOLEAN, DATE, TIMESTAMP) so that one diesel schema serves SQLite and PostgreSQL.
-- Identifiers are UUIDs made in Rust and stored as TEXT; timestamps are UTC.

CREATE TABLE authorities (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL UNIQUE,
    slug TEXT NOT NULL UNIQUE,
    tier TEXT NOT NULL,
    nation TEXT NOT NULL,
    principal_authority_id TEXT REFERENCES authorities (id),
    clerk_name TEXT,
    clerk_email TEXT,
    active BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX authorities_principal_idx ON authorities (principal_authority_id);

CREATE TABLE codes_of_conduct (
    id TEXT PRIMARY KEY NOT NULL,
    slug TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE code_versions (
    id TEXT PRIMARY KEY NOT NULL,
    code_id TEXT NOT NULL REFERENCES codes_of_conduct (id),
    version_label TEXT NOT NULL,
    published_on DATE NOT NULL,
    source TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (code_id, version_label)
);

CREATE TABLE code_provisions (
    id TEXT PRIMARY KEY NOT NULL,
    code_version_id TEXT NOT NULL REFERENCES code_versions (id),
    number TEXT NOT NULL,
    heading TEXT NOT NULL,
    summary TEXT NOT NULL,
    position INTEGER NOT NULL,
    UNIQUE (code_version_id, number)
);

-- Which version of which code an authority had adopted, and when.
CREATE TABLE authority_codes (
    id TEXT PRIMARY KEY NOT NULL,
    authority_id TEXT NOT NULL REFERENCES authorities (id),
    code_version_id TEXT NOT NULL REFERENCES code_versions (id),
    adopted_on DATE NOT NULL,
    superseded_on DATE,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX authority_codes_authority_idx ON authority_codes (authority_id, adopted_on);

CREATE TABLE members (
    id TEXT PRIMARY KEY NOT NULL,
    full_name TEXT NOT NULL,
    party TEXT,
    email TEXT,
    phone TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX members_name_idx ON members (full_name);

CREATE TABLE memberships (
    id TEXT PRIMARY KEY NOT NULL,
    member_id TEXT NOT NULL REFERENCES members (id),
    authority_id TEXT NOT NULL REFERENCES authorities (id),
    ward TEXT,
    role TEXT NOT NULL,
    started_on DATE NOT NULL,
    ended_on DATE,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX memberships_member_idx ON memberships (member_id);
CREATE INDEX memberships_authority_idx ON memberships (authority_id);

CREATE TABLE member_accounts (
    id TEXT PRIMARY KEY NOT NULL,
    member_id TEXT NOT NULL REFERENCES members (id),
    platform TEXT NOT NULL,
    handle TEXT NOT NULL,
    display_name TEXT,
    profile_url TEXT,
    canonical_url TEXT,
    declared_official BOOLEAN NOT NULL,
    notes TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX member_accounts_member_idx ON member_accounts (member_id);
CREATE INDEX member_accounts_canonical_idx ON member_accounts (canonical_url);

CREATE TABLE users (
    id TEXT PRIMARY KEY NOT NULL,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    active BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    last_login_at TIMESTAMP
);

-- Server-side sessions. The id is the SHA-256 of the cookie's token, so a copy of this table
-- cannot be replayed as cookies.
CREATE TABLE sessions (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id),
    csrf_token TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    ip_address TEXT,
    user_agent TEXT
);
CREATE INDEX sessions_user_idx ON sessions (user_id);
CREATE INDEX sessions_expires_idx ON sessions (expires_at);

CREATE TABLE login_attempts (
    id TEXT PRIMARY KEY NOT NULL,
    email TEXT NOT NULL,
    ip_address TEXT NOT NULL,
    succeeded BOOLEAN NOT NULL,
    attempted_at TIMESTAMP NOT NULL
);
CREATE INDEX login_attempts_email_idx ON login_attempts (email, attempted_at);
CREATE INDEX login_attempts_ip_idx ON login_attempts (ip_address, attempted_at);

-- Named counters (case references per year). Incremented with UPDATE inside the caller's
-- transaction, which serialises concurrent writers on both backends.
CREATE TABLE sequences (
    name TEXT PRIMARY KEY NOT NULL,
    value BIGINT NOT NULL
);

CREATE TABLE cases (
    id TEXT PRIMARY KEY NOT NULL,
    reference TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL,
    summary TEXT NOT NULL,
    authority_id TEXT NOT NULL REFERENCES authorities (id),
    assigned_user_id TEXT REFERENCES users (id),
    received_on DATE NOT NULL,
    ack_due_on DATE NOT NULL,
    acknowledged_on DATE,
    assessment_due_on DATE NOT NULL,
    assessed_on DATE,
    closed_at TIMESTAMP,
    closure_reason TEXT,
    retain_until DATE,
    destroyed_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX cases_status_idx ON cases (status);
CREATE INDEX cases_authority_idx ON cases (authority_id);
CREATE INDEX cases_assigned_idx ON cases (assigned_user_id);
CREATE INDEX cases_received_idx ON cases (received_on);

CREATE TABLE complainants (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    email TEXT,
    phone TEXT,
    address TEXT,
    complainant_type TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE complaints (
    id TEXT PRIMARY KEY NOT NULL,
    case_id TEXT NOT NULL REFERENCES cases (id),
    complainant_id TEXT NOT NULL REFERENCES complainants (id),
    authority_id TEXT NOT NULL REFERENCES authorities (id),
    source TEXT NOT NULL,
    received_on DATE NOT NULL,
    logged_by_user_id TEXT REFERENCES users (id),
    conduct_on DATE,
    conduct_period TEXT,
    platform TEXT,
    post_urls TEXT NOT NULL,
    what_happened TEXT NOT NULL,
    why_official TEXT NOT NULL,
    outcome_sought TEXT,
    witnesses TEXT,
    unlisted_member_name TEXT,
    confidentiality_requested BOOLEAN NOT NULL,
    confidentiality_reason TEXT,
    acknowledged_at TIMESTAMP,
    declared_at TIMESTAMP NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX complaints_case_idx ON complaints (case_id);

-- One allegation = one member x one code provision, raised by one complaint.
CREATE TABLE allegations (
    id TEXT PRIMARY KEY NOT NULL,
    case_id TEXT NOT NULL REFERENCES cases (id),
    complaint_id TEXT NOT NULL REFERENCES complaints (id),
    member_id TEXT NOT NULL REFERENCES members (id),
    code_provision_id TEXT NOT NULL REFERENCES code_provisions (id),
    status TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (complaint_id, member_id, code_provision_id)
);
CREATE INDEX allegations_case_idx ON allegations (case_id);
CREATE INDEX allegations_member_idx ON allegations (member_id);

CREATE TABLE case_notes (
    id TEXT PRIMARY KEY NOT NULL,
    case_id TEXT NOT NULL REFERENCES cases (id),
    author_user_id TEXT NOT NULL REFERENCES users (id),
    body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX case_notes_case_idx ON case_notes (case_id);

-- Users who see a case because of a part they play in it (independent person, investigator,
-- panel member); other restricted roles see nothing.
CREATE TABLE case_participants (
    id TEXT PRIMARY KEY NOT NULL,
    case_id TEXT NOT NULL REFERENCES cases (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    part TEXT NOT NULL,
    granted_by_user_id TEXT REFERENCES users (id),
    granted_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP
);
CREATE INDEX case_participants_user_idx ON case_participants (user_id);
CREATE INDEX case_participants_case_idx ON case_participants (case_id);

-- A declared conflict removes the user's access to the case.
CREATE TABLE conflict_declarations (
    id TEXT PRIMARY KEY NOT NULL,
    case_id TEXT NOT NULL REFERENCES cases (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    reason TEXT NOT NULL,
    declared_at TIMESTAMP NOT NULL,
    UNIQUE (case_id, user_id)
);
CREATE INDEX conflict_declarations_user_idx ON conflict_declarations (user_id);

CREATE TABLE audit_log (
    id TEXT PRIMARY KEY NOT NULL,
    occurred_at TIMESTAMP NOT NULL,
    actor_user_id TEXT REFERENCES users (id),
    actor_label TEXT NOT NULL,
    ip_address TEXT,
    action TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    case_id TEXT REFERENCES cases (id),
    summary TEXT NOT NULL,
    details TEXT
);
CREATE INDEX audit_log_case_idx ON audit_log (case_id, occurred_at);
CREATE INDEX audit_log_entity_idx ON audit_log (entity_type, entity_id);
CREATE INDEX audit_log_occurred_idx ON audit_log (occurred_at);

CREATE TABLE outbox (
    id TEXT PRIMARY KEY NOT NULL,
    case_id TEXT REFERENCES cases (id),
    template TEXT NOT NULL,
    to_address TEXT NOT NULL,
    to_name TEXT,
    subject TEXT NOT NULL,
    body_text TEXT NOT NULL,
    body_html TEXT,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    next_attempt_at TIMESTAMP NOT NULL,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP
);
CREATE INDEX outbox_due_idx ON outbox (status, next_attempt_at);
CREATE INDEX outbox_case_idx ON outbox (case_id);

-- Council closure days, on top of the England & Wales bank holidays, for working-day deadlines.
CREATE TABLE closure_days (
    day DATE PRIMARY KEY NOT NULL,
    reason TEXT NOT NULL,
    created_by_user_id TEXT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE settings (
    key TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    updated_by_user_id TEXT REFERENCES users (id)
);

-- The capacity test as versioned data (seeds/capacity_test/*.json). A version never changes once
-- loaded; assessments record the version they used.
CREATE TABLE capacity_test_versions (
    id TEXT PRIMARY KEY NOT NULL,
    version INTEGER NOT NULL UNIQUE,
    title TEXT NOT NULL,
    definition TEXT NOT NULL,
    checksum TEXT NOT NULL,
    loaded_at TIMESTAMP NOT NULL
);

CREATE TABLE capacity_questions (
    id TEXT PRIMARY KEY NOT NULL,
    test_version_id TEXT NOT NULL REFERENCES capacity_test_versions (id),
    code TEXT NOT NULL,
    position INTEGER NOT NULL,
    section TEXT NOT NULL,
    question TEXT NOT NULL,
    guidance TEXT NOT NULL,
    weight TEXT NOT NULL,
    points_to TEXT NOT NULL,
    UNIQUE (test_version_id, code)
);
