-- Full-text search over cases (the `english` configuration: stemming and stop words): the case
-- list's `q`, with websearch_to_tsquery (phrases in double quotes), ranked with ts_rank_cd,
-- snippets from ts_headline. Two stored vectors, each with a GIN index: the reference and summary
-- (what every role may search) and the whole search text (complainants' names and the
-- complaints' text: only for those who may see every complainant's identity, see
-- services::cases::list). Generated columns, so they change in the same statement as the case.
-- The reference's hyphens become spaces: the parser reads SD-2026-0001 as sd, -2026, -0001.
ALTER TABLE cases ADD COLUMN search_summary tsvector
    GENERATED ALWAYS AS (to_tsvector('english', translate(reference, '-', ' ') || ' ' || summary)) STORED;
ALTER TABLE cases ADD COLUMN search_all tsvector
    GENERATED ALWAYS AS (to_tsvector('english', translate(reference, '-', ' ') || ' ' || summary || ' ' || search_text)) STORED;
CREATE INDEX cases_search_summary ON cases USING gin (search_summary);
CREATE INDEX cases_search_all ON cases USING gin (search_all);
