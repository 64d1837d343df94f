ALTER TABLE takedown_rechecks DROP COLUMN reminder_queued_at;
