DROP TABLE disclosures;
DROP INDEX access_log_day_idx;
DROP TABLE access_log;
ALTER TABLE cases DROP COLUMN destruction_approved_at;
ALTER TABLE cases DROP COLUMN destruction_approved_by_user_id;
ALTER TABLE cases DROP COLUMN legal_hold_at;
ALTER TABLE cases DROP COLUMN legal_hold_by_user_id;
ALTER TABLE cases DROP COLUMN legal_hold_reason;
