DROP TRIGGER case_search_delete;
DROP TRIGGER case_search_update;
DROP TRIGGER case_search_insert;
DROP TABLE case_search;
DROP TABLE case_search_rows;
