-- Full-text search over cases (FTS5, Porter stemming): the case list's `q`. Ranked with bm25,
-- phrase search with double quotes, snippets for the result rows. Kept in step with `cases` by
-- triggers, in the same transaction as the change. Columns: the reference and summary (what every
-- role may search) and the whole search text (complainants' names and the complaints' text: only
-- for those who may see every complainant's identity, see services::cases::list).
-- The FTS rowid comes from `case_search_rows`, whose INTEGER PRIMARY KEY never changes (the
-- implicit rowid of `cases` may be renumbered by VACUUM).
CREATE TABLE case_search_rows (
    n INTEGER PRIMARY KEY NOT NULL,
    case_id TEXT NOT NULL UNIQUE
);
CREATE VIRTUAL TABLE case_search USING fts5(
    case_id UNINDEXED,
    reference,
    summary,
    body,
    tokenize = 'porter unicode61 remove_diacritics 2'
);
INSERT INTO case_search_rows (case_id) SELECT id FROM cases ORDER BY created_at, id;
INSERT INTO case_search (rowid, case_id, reference, summary, body)
    SELECT r.n, c.id, c.reference, c.summary, c.search_text FROM cases c JOIN case_search_rows r ON r.case_id = c.id;
CREATE TRIGGER case_search_insert AFTER INSERT ON cases
BEGIN
    INSERT INTO case_search_rows (case_id) VALUES (new.id);
    INSERT INTO case_search (rowid, case_id, reference, summary, body)
        VALUES ((SELECT n FROM case_search_rows WHERE case_id = new.id), new.id, new.reference, new.summary, new.search_text);
END;
CREATE TRIGGER case_search_update AFTER UPDATE OF reference, summary, search_text ON cases
BEGIN
    UPDATE case_search SET reference = new.reference, summary = new.summary, body = new.search_text
        WHERE rowid = (SELECT n FROM case_search_rows WHERE case_id = new.id);
END;
CREATE TRIGGER case_search_delete AFTER DELETE ON cases
BEGIN
    DELETE FROM case_search WHERE rowid = (SELECT n FROM case_search_rows WHERE case_id = old.id);
    DELETE FROM case_search_rows WHERE case_id = old.id;
END;
