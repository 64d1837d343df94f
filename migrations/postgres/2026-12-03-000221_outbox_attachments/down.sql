DROP TABLE outbox_attachments;
