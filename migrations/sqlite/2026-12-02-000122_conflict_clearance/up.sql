-- A declared conflict can be found not disqualifying by the Monitoring Officer, with reasons:
-- the user's access to the case comes back (the declaration stays on record).
ALTER TABLE conflict_declarations ADD COLUMN cleared_by_user_id TEXT;
ALTER TABLE conflict_declarations ADD COLUMN cleared_at TIMESTAMP;
ALTER TABLE conflict_declarations ADD COLUMN cleared_reason TEXT;
