-- The newest aggregate version each projection applied, per aggregate (aggregate_versions.py).
-- An event at or below it is older than what the read model already shows (a copy re-published
-- after the stream's duplicate window, say) and is skipped: a late `Followed` can never undo
-- the `Unfollowed` that came after it.
CREATE TABLE projection_versions (
    projection    text NOT NULL,
    producer      text NOT NULL,
    aggregate_id  text NOT NULL,
    version       bigint NOT NULL,
    PRIMARY KEY (projection, producer, aggregate_id)
);
