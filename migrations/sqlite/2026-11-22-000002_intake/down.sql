ALTER TABLE cases DROP COLUMN search_text;
DROP TABLE rate_limit_events;
DROP TABLE member_notifications;
DROP TABLE complaint_links;
DROP TABLE complaint_files;
DROP TABLE draft_files;
DROP TABLE complaint_drafts;
DROP TABLE stored_files;
