-- A re-check of a removed post falling due emails the officer on the case (or the Monitoring
-- Officers) once: the worker sets this when it queues the reminder, claiming it across instances.
ALTER TABLE takedown_rechecks ADD COLUMN reminder_queued_at TIMESTAMP;
