ALTER TABLE conflict_declarations DROP COLUMN cleared_reason;
ALTER TABLE conflict_declarations DROP COLUMN cleared_at;
ALTER TABLE conflict_declarations DROP COLUMN cleared_by_user_id;
