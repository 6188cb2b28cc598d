-- (helper "erasure") Who really wrote a post that appears under a shared account, so that
-- erasing that person purges its words here too. A person's own posts need no row: their
-- author_id is the writer.
CREATE TABLE post_writers (
    post_id  uuid PRIMARY KEY,
    writer   uuid NOT NULL
);
CREATE INDEX post_writers_by_writer ON post_writers (writer);
