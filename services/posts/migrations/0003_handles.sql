-- People's @handles (identity's UserRegistered.handle), by which a text's "@ann" mentions.
-- Unique in identity; not constrained here, since an erased person's replays as a former
-- colleague (and erased people are never resolved).
ALTER TABLE people ADD COLUMN handle text;
CREATE INDEX people_by_handle ON people (handle);
