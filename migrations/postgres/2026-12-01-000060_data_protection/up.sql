-- Data protection (issue 18): a legal hold on a case (suspends destruction), the Monitoring
-- Officer's approval of its destruction, the access log (who opened which case page, evidence
-- item or export, once per user, item and day), and disclosures under subject access requests
-- (the redacted export kept as its own file; the records it was made from are unchanged).

ALTER TABLE cases ADD COLUMN legal_hold_reason TEXT;
ALTER TABLE cases ADD COLUMN legal_hold_by_user_id TEXT REFERENCES users (id);
ALTER TABLE cases ADD COLUMN legal_hold_at TIMESTAMP;
ALTER TABLE cases ADD COLUMN destruction_approved_by_user_id TEXT REFERENCES users (id);
ALTER TABLE cases ADD COLUMN destruction_approved_at TIMESTAMP;

CREATE TABLE access_log (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id),
    kind TEXT NOT NULL,
    object TEXT NOT NULL,
    case_id TEXT REFERENCES cases (id),
    day DATE NOT NULL,
    first_at TIMESTAMP NOT NULL,
    UNIQUE (user_id, kind, object, day)
);
CREATE INDEX access_log_day_idx ON access_log (day);

CREATE TABLE disclosures (
    id TEXT PRIMARY KEY NOT NULL,
    subject TEXT NOT NULL,
    case_references TEXT NOT NULL,
    file_name TEXT NOT NULL,
    sha256 TEXT NOT NULL REFERENCES stored_files (sha256),
    created_by_user_id TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);
