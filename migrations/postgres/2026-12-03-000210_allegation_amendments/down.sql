ALTER TABLE allegations DROP COLUMN withdrawn_at;
ALTER TABLE allegations DROP COLUMN withdrawn_reason;
ALTER TABLE allegations DROP COLUMN added_by_user_id;
ALTER TABLE allegations DROP COLUMN wording;
