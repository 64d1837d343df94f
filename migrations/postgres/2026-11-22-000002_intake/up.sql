-- Complaint intake: uploaded files (content-addressed), drafts of the public form, the links a
-- complaint cites (with their canonical form, for matching), member notifications, rate limits,
-- and the case's search text.

-- Every stored file, by the SHA-256 of its bytes. The bytes live in the evidence store directory
-- under that hash, written once and never overwritten.
CREATE TABLE stored_files (
    sha256 TEXT PRIMARY KEY NOT NULL,
    size_bytes BIGINT NOT NULL,
    media_type TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

-- The public form in progress: what the person has entered so far, kept so nothing they typed or
-- uploaded is lost when the form is shown again. Owned by one browser (hash of its CSRF cookie).
CREATE TABLE complaint_drafts (
    id TEXT PRIMARY KEY NOT NULL,
    owner_hash TEXT NOT NULL,
    data TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    submitted_at TIMESTAMP,
    case_reference TEXT
);
CREATE INDEX complaint_drafts_updated_idx ON complaint_drafts (updated_at);

CREATE TABLE draft_files (
    id TEXT PRIMARY KEY NOT NULL,
    draft_id TEXT NOT NULL REFERENCES complaint_drafts (id) ON DELETE CASCADE,
    sha256 TEXT NOT NULL REFERENCES stored_files (sha256),
    original_name TEXT NOT NULL,
    media_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    uploaded_at TIMESTAMP NOT NULL
);
CREATE INDEX draft_files_draft_idx ON draft_files (draft_id);

-- Files that arrived with a complaint (screenshots, documents).
CREATE TABLE complaint_files (
    id TEXT PRIMARY KEY NOT NULL,
    complaint_id TEXT NOT NULL REFERENCES complaints (id),
    sha256 TEXT NOT NULL REFERENCES stored_files (sha256),
    original_name TEXT NOT NULL,
    media_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    uploaded_at TIMESTAMP NOT NULL
);
CREATE INDEX complaint_files_complaint_idx ON complaint_files (complaint_id);

CREATE TABLE complaint_links (
    id TEXT PRIMARY KEY NOT NULL,
    complaint_id TEXT NOT NULL REFERENCES complaints (id),
    url TEXT NOT NULL,
    canonical_url TEXT NOT NULL,
    platform TEXT
);
CREATE INDEX complaint_links_complaint_idx ON complaint_links (complaint_id);
CREATE INDEX complaint_links_canonical_idx ON complaint_links (canonical_url);

-- The member is told of the complaint only when an officer decides to (domain.md §a step 4).
CREATE TABLE member_notifications (
    id TEXT PRIMARY KEY NOT NULL,
    case_id TEXT NOT NULL REFERENCES cases (id),
    member_id TEXT NOT NULL REFERENCES members (id),
    outbox_id TEXT NOT NULL REFERENCES outbox (id),
    notified_by_user_id TEXT NOT NULL REFERENCES users (id),
    notified_at TIMESTAMP NOT NULL
);
CREATE INDEX member_notifications_case_idx ON member_notifications (case_id);

-- Events counted for rate limits (public form posts per address).
CREATE TABLE rate_limit_events (
    id TEXT PRIMARY KEY NOT NULL,
    bucket TEXT NOT NULL,
    subject TEXT NOT NULL,
    occurred_at TIMESTAMP NOT NULL
);
CREATE INDEX rate_limit_events_idx ON rate_limit_events (bucket, subject, occurred_at);

-- Lower-cased text the case list searches: reference, summary, complaint text, names.
ALTER TABLE cases ADD COLUMN search_text TEXT NOT NULL DEFAULT '';
