-- A review request gets an outcome (upheld: the case reopens to initial assessment; not upheld:
-- the requester is told), by a date counted in working days from the request.
ALTER TABLE review_requests ADD COLUMN due_on DATE;
ALTER TABLE review_requests ADD COLUMN outcome_reasons TEXT;
ALTER TABLE review_requests ADD COLUMN decided_by_user_id TEXT REFERENCES users (id);
ALTER TABLE review_requests ADD COLUMN decided_at TIMESTAMP;
