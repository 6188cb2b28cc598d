-- Fan-out writes a timeline row per reader per post, so every byte and index of a row is paid
-- millions of times. The author is read from the post, never from the row; and a post's rows
-- are found through the people who may hold them (store._HOLDERS: its author, its group's
-- members, the author's followers, the people it mentions), each by the (owner, created_at,
-- post) index, so the index by post, a random insert per row, goes.
DROP INDEX timeline_by_post;
ALTER TABLE timeline_entries DROP COLUMN author_id;
