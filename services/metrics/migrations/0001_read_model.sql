-- Metrics' read model (see plein_metrics.readmodel): dimension tables and the tidy activity
-- table. Ids are text so that the live tables and the Parquet export hold the same values.
CREATE TABLE people (
    user_id        text PRIMARY KEY,
    department     text,
    is_manager     boolean NOT NULL DEFAULT false,
    registered_at  timestamptz,
    erased         boolean NOT NULL DEFAULT false
);

CREATE TABLE person_status (
    event_id  text PRIMARY KEY,
    user_id   text NOT NULL,
    at        timestamptz NOT NULL,
    active    boolean NOT NULL
);
CREATE INDEX person_status_user ON person_status (user_id, at);

CREATE TABLE groups (
    group_id     text PRIMARY KEY,
    name         text,
    private      boolean NOT NULL DEFAULT false,
    all_company  boolean NOT NULL DEFAULT false
);

CREATE TABLE memberships (
    group_id  text NOT NULL,
    user_id   text NOT NULL,
    member    boolean NOT NULL,
    admin     boolean NOT NULL,
    PRIMARY KEY (group_id, user_id)
);

-- Network roles: who may see the metrics.
CREATE TABLE roles (
    user_id  text NOT NULL,
    role     text NOT NULL,
    held     boolean NOT NULL,
    PRIMARY KEY (user_id, role)
);

CREATE TABLE threads (
    post_id    text PRIMARY KEY,
    author_id  text NOT NULL,
    group_id   text,
    private    boolean NOT NULL DEFAULT false,
    kind       text NOT NULL,
    at         timestamptz NOT NULL
);
CREATE INDEX threads_at ON threads (at);

CREATE TABLE activity (
    event_id        text NOT NULL,
    n               integer NOT NULL,
    at              timestamptz NOT NULL,
    user_id         text NOT NULL,
    kind            text NOT NULL,
    action          text NOT NULL,
    post_id         text,
    item_id         text,
    parent_id       text,
    target_user_id  text,
    group_id        text,
    private         boolean NOT NULL DEFAULT false,
    PRIMARY KEY (event_id, n)
);
CREATE INDEX activity_at ON activity (at);

CREATE TABLE answers (
    post_id          text PRIMARY KEY,
    reply_id         text NOT NULL,
    reply_author_id  text NOT NULL,
    at               timestamptz NOT NULL
);

CREATE TABLE escalations (
    escalation_id  text PRIMARY KEY,
    post_id        text NOT NULL,
    group_id       text,
    raised_at      timestamptz,
    resolved_at    timestamptz
);
