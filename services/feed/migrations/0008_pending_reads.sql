-- Seen reports for posts the feed had not received yet (after an outage, or a post opened
-- from a link the moment it was written). Settled when the post arrives, by the visibility
-- rule at that moment: `visible` is then set, and the settler records the visible ones as
-- PostsSeen and deletes every settled row. Not a projection table: a replay keeps it (the
-- reads it holds were reported by people, not derived from the stream).
CREATE TABLE pending_reads (
    reader_id    uuid NOT NULL,
    post_id      uuid NOT NULL,
    actor_id     uuid NOT NULL,
    seen_at      timestamptz NOT NULL,
    reported_at  timestamptz NOT NULL DEFAULT now(),
    visible      boolean,  -- NULL: the post has not arrived yet
    PRIMARY KEY (reader_id, post_id)
);
CREATE INDEX pending_reads_by_post ON pending_reads (post_id);
CREATE INDEX pending_reads_settled ON pending_reads (reader_id) WHERE visible IS NOT NULL;
