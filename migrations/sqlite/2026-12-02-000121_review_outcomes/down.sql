ALTER TABLE review_requests DROP COLUMN decided_at;
ALTER TABLE review_requests DROP COLUMN decided_by_user_id;
ALTER TABLE review_requests DROP COLUMN outcome_reasons;
ALTER TABLE review_requests DROP COLUMN due_on;
