-- Erasure of the words people wrote (helper "erasure"): what an erased person chose for
-- them, and who really wrote each searchable message, so that their words can be purged.
ALTER TABLE people ADD COLUMN authored text;  -- 'removed' or 'anonymised' once erased
ALTER TABLE documents ADD COLUMN real_author_id uuid;
-- Rows from before: an opening post's real author is on its thread row; a reply's is taken
-- to be its author (a rebuild by replay fills the column exactly).
UPDATE documents d SET real_author_id = coalesce(t.real_author_id, d.author_id)
    FROM threads t WHERE t.post_id = d.doc_id;
UPDATE documents SET real_author_id = author_id WHERE real_author_id IS NULL;
CREATE INDEX documents_by_real_author ON documents (real_author_id);
