-- Investigation, post-investigation decision, hearing, findings and sanctions (domain.md §a, states 7–11).

-- A user (a committee member, say) who is also a councillor on the register: used by the hearing
-- conflict check (same party, same ward).
CREATE TABLE user_members (
    user_id TEXT PRIMARY KEY NOT NULL REFERENCES users (id),
    member_id TEXT NOT NULL REFERENCES members (id)
);

CREATE TABLE investigations (
    id TEXT PRIMARY KEY NOT NULL,
    case_id TEXT NOT NULL UNIQUE REFERENCES cases (id),
    investigator_user_id TEXT REFERENCES users (id),
    external_investigator TEXT,
    terms_of_reference TEXT NOT NULL,
    target_on DATE NOT NULL,
    appointed_by_user_id TEXT NOT NULL REFERENCES users (id),
    appointed_at TIMESTAMP NOT NULL,
    completed_on DATE
);

-- Interview notes, the member's comments on the draft, and the draft and final reports (files).
CREATE TABLE investigation_entries (
    id TEXT PRIMARY KEY NOT NULL,
    investigation_id TEXT NOT NULL REFERENCES investigations (id),
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    occurred_on DATE NOT NULL,
    sha256 TEXT REFERENCES stored_files (sha256),
    file_name TEXT,
    created_by_user_id TEXT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX investigation_entries_investigation_idx ON investigation_entries (investigation_id, created_at);

CREATE TABLE hearings (
    id TEXT PRIMARY KEY NOT NULL,
    case_id TEXT NOT NULL UNIQUE REFERENCES cases (id),
    starts_at TIMESTAMP NOT NULL,
    venue TEXT,
    remote_link TEXT,
    ip_user_id TEXT NOT NULL REFERENCES users (id),
    member_representative TEXT,
    private_paragraph TEXT,
    private_reason TEXT,
    conflicts_considered TEXT,
    fixed_at TIMESTAMP,
    outcome_recorded_at TIMESTAMP,
    created_by_user_id TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX hearings_starts_idx ON hearings (starts_at);

CREATE TABLE hearing_panel (
    hearing_id TEXT NOT NULL REFERENCES hearings (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    chair BOOLEAN NOT NULL,
    PRIMARY KEY (hearing_id, user_id)
);

CREATE TABLE findings (
    id TEXT PRIMARY KEY NOT NULL,
    hearing_id TEXT NOT NULL REFERENCES hearings (id),
    allegation_id TEXT NOT NULL REFERENCES allegations (id),
    breach BOOLEAN NOT NULL,
    reasons TEXT NOT NULL,
    article10_reasoning TEXT NOT NULL,
    recorded_by_user_id TEXT NOT NULL REFERENCES users (id),
    recorded_at TIMESTAMP NOT NULL,
    UNIQUE (hearing_id, allegation_id)
);

CREATE TABLE sanctions (
    id TEXT PRIMARY KEY NOT NULL,
    case_id TEXT NOT NULL REFERENCES cases (id),
    hearing_id TEXT NOT NULL REFERENCES hearings (id),
    member_id TEXT NOT NULL REFERENCES members (id),
    kind TEXT NOT NULL,
    detail TEXT NOT NULL,
    recommended_to_authority_id TEXT REFERENCES authorities (id),
    follow_up_on DATE NOT NULL,
    compliance TEXT NOT NULL,
    compliance_note TEXT,
    compliance_recorded_on DATE,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX sanctions_case_idx ON sanctions (case_id);
CREATE INDEX sanctions_follow_up_idx ON sanctions (compliance, follow_up_on);
