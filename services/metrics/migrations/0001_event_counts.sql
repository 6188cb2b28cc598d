-- Events consumed per type (see plein_platform.counting).
CREATE TABLE event_counts (
    event_type  text PRIMARY KEY,
    count       bigint NOT NULL,
    last_at     timestamptz NOT NULL
);
