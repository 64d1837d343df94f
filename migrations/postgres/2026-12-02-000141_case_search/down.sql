DROP INDEX cases_search_all;
DROP INDEX cases_search_summary;
ALTER TABLE cases DROP COLUMN search_all;
ALTER TABLE cases DROP COLUMN search_summary;
