-- The complainant's and the member's own page (issue 21). A party has no account: they reach
-- their part of one case through emailed links whose tokens are kept only as SHA-256.
-- `party` is 'complainant' (with `complaint_id`) or 'member' (with `member_id`).

-- Links: an invitation (in the acknowledgement and the member's notification; single-use,
-- expiring after the `party.link_days` setting) and a sign-in link (emailed when an invitation
-- or the "send me a new link" form is used; single-use, short-lived). Officers can revoke them.
CREATE TABLE party_links (
    id TEXT PRIMARY KEY NOT NULL,
    case_id TEXT NOT NULL REFERENCES cases (id),
    party TEXT NOT NULL,
    complaint_id TEXT REFERENCES complaints (id),
    member_id TEXT REFERENCES members (id),
    purpose TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP,
    revoked_at TIMESTAMP,
    revoked_by_user_id TEXT REFERENCES users (id)
);
CREATE INDEX party_links_case_idx ON party_links (case_id);

-- A party's session: for that party and that case only (never a staff session).
CREATE TABLE party_sessions (
    id TEXT PRIMARY KEY NOT NULL,
    case_id TEXT NOT NULL REFERENCES cases (id),
    party TEXT NOT NULL,
    complaint_id TEXT REFERENCES complaints (id),
    member_id TEXT REFERENCES members (id),
    created_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    ended_at TIMESTAMP
);
CREATE INDEX party_sessions_case_idx ON party_sessions (case_id);

-- What a party sends (messages, further evidence, the member's response, comments on a draft
-- report, a withdrawal) and officers' replies, one thread per party per case.
CREATE TABLE party_items (
    id TEXT PRIMARY KEY NOT NULL,
    case_id TEXT NOT NULL REFERENCES cases (id),
    party TEXT NOT NULL,
    complaint_id TEXT REFERENCES complaints (id),
    member_id TEXT REFERENCES members (id),
    kind TEXT NOT NULL,
    from_party BOOLEAN NOT NULL,
    author_user_id TEXT REFERENCES users (id),
    body TEXT NOT NULL,
    status TEXT NOT NULL,
    evidence_item_id TEXT REFERENCES evidence_items (id),
    decided_by_user_id TEXT REFERENCES users (id),
    decided_at TIMESTAMP,
    read_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX party_items_case_idx ON party_items (case_id);

CREATE TABLE party_files (
    id TEXT PRIMARY KEY NOT NULL,
    party_item_id TEXT NOT NULL REFERENCES party_items (id),
    sha256 TEXT NOT NULL REFERENCES stored_files (sha256),
    original_name TEXT NOT NULL,
    media_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL
);
CREATE INDEX party_files_item_idx ON party_files (party_item_id);

-- The parties' access audit: every use of a link, sign-in, page view and submission.
CREATE TABLE party_visits (
    id TEXT PRIMARY KEY NOT NULL,
    case_id TEXT NOT NULL REFERENCES cases (id),
    party TEXT NOT NULL,
    complaint_id TEXT REFERENCES complaints (id),
    member_id TEXT REFERENCES members (id),
    what TEXT NOT NULL,
    ip_address TEXT,
    occurred_at TIMESTAMP NOT NULL
);
CREATE INDEX party_visits_case_idx ON party_visits (case_id);

-- A message a party was writing when their session ended: kept, and given back after sign-in.
CREATE TABLE party_drafts (
    id TEXT PRIMARY KEY NOT NULL,
    case_id TEXT NOT NULL REFERENCES cases (id),
    party TEXT NOT NULL,
    complaint_id TEXT REFERENCES complaints (id),
    member_id TEXT REFERENCES members (id),
    body TEXT NOT NULL,
    saved_at TIMESTAMP NOT NULL
);
CREATE INDEX party_drafts_case_idx ON party_drafts (case_id);
