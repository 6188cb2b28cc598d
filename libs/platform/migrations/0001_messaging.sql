-- Messaging bookkeeping, created in every service's schema.

-- How far the outbox relay has published the service's stored event log.
CREATE TABLE outbox_position (
    relay       text PRIMARY KEY,
    position    bigint NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- The last stream sequence each projection applied, updated in the same transaction as it.
CREATE TABLE projection_position (
    projection  text PRIMARY KEY,
    last_seq    bigint NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- Messages a projection gave up on; also published on dlq.plein.<projection>.
CREATE TABLE dead_letters (
    projection  text NOT NULL,
    stream_seq  bigint NOT NULL,
    subject     text NOT NULL,
    error       text NOT NULL,
    data        bytea NOT NULL,
    failed_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (projection, stream_seq)
);
