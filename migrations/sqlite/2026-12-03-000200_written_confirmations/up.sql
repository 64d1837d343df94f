-- Issue 16, s.28(9): a complaint taken by telephone or in person needs the complainant's written
-- confirmation (an email recorded, or a letter or signed statement uploaded) before its
-- assessment starts. One row per complaint once it is attached; an uploaded document is kept
-- as one of the complaint's files.
CREATE TABLE written_confirmations (
    id TEXT PRIMARY KEY NOT NULL,
    complaint_id TEXT NOT NULL REFERENCES complaints (id),
    kind TEXT NOT NULL,
    received_on DATE NOT NULL,
    detail TEXT NOT NULL,
    complaint_file_id TEXT REFERENCES complaint_files (id),
    recorded_by_user_id TEXT NOT NULL REFERENCES users (id),
    recorded_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX written_confirmations_complaint_idx ON written_confirmations (complaint_id);
