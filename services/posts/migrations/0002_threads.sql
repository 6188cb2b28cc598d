-- Posts' lists and search, built from its own contract events (projection `posts_threads`).

-- One row per thread: what the group, person, topic and "unanswered" lists page through.
CREATE TABLE threads (
    post_id           uuid PRIMARY KEY,
    group_id          uuid,
    author_id         uuid NOT NULL,
    real_author_id    uuid NOT NULL,
    kind              text NOT NULL,
    title             text NOT NULL DEFAULT '',
    topics            text[] NOT NULL DEFAULT '{}',
    created_at        timestamptz NOT NULL,
    reply_count       integer NOT NULL DEFAULT 0,
    accepted_reply_id uuid,
    deleted           boolean NOT NULL DEFAULT false,
    hidden            boolean NOT NULL DEFAULT false
);
CREATE INDEX threads_by_group ON threads (group_id, created_at DESC, post_id DESC);
CREATE INDEX threads_by_author ON threads (author_id, created_at DESC, post_id DESC);
CREATE INDEX threads_by_topic ON threads USING gin (topics);
CREATE INDEX threads_unanswered ON threads (group_id, created_at DESC)
    WHERE kind = 'question' AND accepted_reply_id IS NULL AND NOT deleted;

-- Every post and reply as searchable text, in Dutch and English at once: a Dutch query finds
-- "vergaderingen" by "vergadering", an English one "meetings" by "meeting", in the same index.
CREATE TABLE documents (
    doc_id      uuid PRIMARY KEY,       -- the post's id, or the reply's
    post_id     uuid NOT NULL,
    reply_id    uuid,
    group_id    uuid,
    author_id   uuid NOT NULL,
    kind        text NOT NULL,
    text        text NOT NULL,
    created_at  timestamptz NOT NULL,
    deleted     boolean NOT NULL DEFAULT false,
    hidden      boolean NOT NULL DEFAULT false,
    tsv         tsvector GENERATED ALWAYS AS (
                    to_tsvector('dutch'::regconfig, text) || to_tsvector('english'::regconfig, text)
                ) STORED
);
CREATE INDEX documents_search ON documents USING gin (tsv);
CREATE INDEX documents_by_post ON documents (post_id);

-- The moderators' queue: open reports until the message is hidden or deleted.
CREATE TABLE reports (
    post_id      uuid NOT NULL,
    target_id    uuid NOT NULL,          -- the post's id, or the reply's
    reply_id     uuid,
    group_id     uuid,
    reported_by  uuid NOT NULL,
    reason       text NOT NULL,
    reported_at  timestamptz NOT NULL,
    closed       boolean NOT NULL DEFAULT false,
    PRIMARY KEY (target_id, reported_by, reported_at)
);
CREATE INDEX reports_open ON reports (reported_at) WHERE NOT closed;
