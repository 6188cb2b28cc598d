-- Text is searchable as typed. PostgreSQL's text search parser takes `<...>` for an XML tag:
-- it drops the tag's words and, after `<script>`, everything up to `</script>` (a post quoting
-- `<script>alert(1)</script>` was not found by "alert"). The index and the queries now see `<`
-- and `>` as two private-use characters the parser treats as plain separators; the headlines
-- shown are mapped back (store.search), so the words inside are found and highlighted.
ALTER TABLE documents DROP COLUMN tsv;
ALTER TABLE documents ADD COLUMN tsv tsvector GENERATED ALWAYS AS (
    to_tsvector('dutch'::regconfig, translate(text, '<>', U&'\E03C\E03E'))
    || to_tsvector('english'::regconfig, translate(text, '<>', U&'\E03C\E03E'))
) STORED;
CREATE INDEX documents_search ON documents USING gin (tsv);
