-- What each address has uploaded through the public form (files and bytes kept in drafts), for
-- the per-address daily upload quota. Pruned by housekeeping after a day.
CREATE TABLE anonymous_uploads (
    id TEXT PRIMARY KEY NOT NULL,
    subject TEXT NOT NULL,
    files INTEGER NOT NULL,
    bytes BIGINT NOT NULL,
    occurred_at TIMESTAMP NOT NULL
);
CREATE INDEX anonymous_uploads_idx ON anonymous_uploads (subject, occurred_at);
