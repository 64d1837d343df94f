-- Evidence: captured posts and account profiles, their files, corrections as versions, links to
-- allegations, and a hash-chained custody log per item.

CREATE TABLE evidence_items (
    id TEXT PRIMARY KEY NOT NULL,
    case_id TEXT NOT NULL REFERENCES cases (id),
    number INTEGER NOT NULL,
    kind TEXT NOT NULL,
    source TEXT NOT NULL,
    status TEXT NOT NULL,
    status_checked_at TIMESTAMP,
    current_version INTEGER NOT NULL,
    complaint_id TEXT REFERENCES complaints (id),
    created_by_user_id TEXT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    -- The hash of the last custody entry and how many there are: a deleted last entry shows.
    custody_head TEXT NOT NULL,
    custody_count INTEGER NOT NULL,
    UNIQUE (case_id, number)
);
CREATE INDEX evidence_items_case_idx ON evidence_items (case_id);

-- Metadata as captured; a correction adds a version and the earlier ones stay.
CREATE TABLE evidence_versions (
    id TEXT PRIMARY KEY NOT NULL,
    item_id TEXT NOT NULL REFERENCES evidence_items (id),
    version INTEGER NOT NULL,
    title TEXT NOT NULL,
    platform TEXT,
    url TEXT,
    canonical_url TEXT,
    account_handle TEXT,
    display_name TEXT,
    account_bio TEXT,
    post_text TEXT,
    posted_at TIMESTAMP,
    captured_at TIMESTAMP NOT NULL,
    captured_by TEXT NOT NULL,
    notes TEXT,
    change_reason TEXT,
    created_by_user_id TEXT REFERENCES users (id),
    created_by_label TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (item_id, version)
);
CREATE INDEX evidence_versions_canonical_idx ON evidence_versions (canonical_url);

CREATE TABLE evidence_files (
    id TEXT PRIMARY KEY NOT NULL,
    item_id TEXT NOT NULL REFERENCES evidence_items (id),
    sha256 TEXT NOT NULL REFERENCES stored_files (sha256),
    original_name TEXT NOT NULL,
    media_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    added_by_label TEXT NOT NULL,
    added_at TIMESTAMP NOT NULL
);
CREATE INDEX evidence_files_item_idx ON evidence_files (item_id);

CREATE TABLE evidence_allegations (
    item_id TEXT NOT NULL REFERENCES evidence_items (id),
    allegation_id TEXT NOT NULL REFERENCES allegations (id),
    PRIMARY KEY (item_id, allegation_id)
);

-- Every upload, view, download, export, verification and status change. Each entry's hash covers
-- its fields and the previous entry's hash, so an edited or deleted entry breaks the chain.
CREATE TABLE custody_log (
    id TEXT PRIMARY KEY NOT NULL,
    item_id TEXT NOT NULL REFERENCES evidence_items (id),
    seq INTEGER NOT NULL,
    action TEXT NOT NULL,
    file_sha256 TEXT,
    actor_user_id TEXT REFERENCES users (id),
    actor_label TEXT NOT NULL,
    ip_address TEXT,
    occurred_at TIMESTAMP NOT NULL,
    details TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    entry_hash TEXT NOT NULL,
    UNIQUE (item_id, seq)
);
