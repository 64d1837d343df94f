-- Letter templates a council has edited (issue 17): each save is a new version, kept; the highest
-- version is the one in use, and a version with in_use false puts the shipped template back.
-- Each queued letter records the version it was written from (NULL: the shipped template) and
-- the values it was written with, so a council's edit can be previewed with a real case.
CREATE TABLE letter_templates (
    id TEXT PRIMARY KEY NOT NULL,
    authority_id TEXT NOT NULL REFERENCES authorities (id),
    template TEXT NOT NULL,
    version INTEGER NOT NULL,
    in_use BOOLEAN NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    created_by_user_id TEXT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    UNIQUE (authority_id, template, version)
);
ALTER TABLE outbox ADD COLUMN letter_template_id TEXT;
ALTER TABLE outbox ADD COLUMN context_json TEXT;
