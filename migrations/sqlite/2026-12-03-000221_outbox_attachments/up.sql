-- Files sent with a message (a decision notice's PDF): kept with the outbox row, so that a retry
-- sends exactly what was queued. Deleted with the message's letter when a case is destroyed.
CREATE TABLE outbox_attachments (
    id TEXT PRIMARY KEY NOT NULL,
    outbox_id TEXT NOT NULL REFERENCES outbox (id),
    filename TEXT NOT NULL,
    media_type TEXT NOT NULL,
    content BLOB NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX outbox_attachments_outbox ON outbox_attachments (outbox_id);
