-- The feed's read model: who is who, who follows whom, posts, and each person's timeline.
CREATE TABLE people (
    user_id       uuid PRIMARY KEY,
    display_name  text NOT NULL,
    department    text
);

CREATE TABLE follows (
    follower_id  uuid NOT NULL,
    followee_id  uuid NOT NULL,
    PRIMARY KEY (follower_id, followee_id)
);
CREATE INDEX follows_by_followee ON follows (followee_id);

CREATE TABLE posts (
    post_id     uuid PRIMARY KEY,
    author_id   uuid NOT NULL,
    group_id    uuid,
    kind        text NOT NULL,
    text        text NOT NULL,
    created_at  timestamptz NOT NULL
);
CREATE INDEX posts_by_author ON posts (author_id, created_at DESC);

-- One row per post in a person's home timeline; `reason` says why it is there.
CREATE TABLE timeline_entries (
    owner_id    uuid NOT NULL,
    post_id     uuid NOT NULL,
    author_id   uuid NOT NULL,
    created_at  timestamptz NOT NULL,
    reason      text NOT NULL,
    PRIMARY KEY (owner_id, post_id)
);
CREATE INDEX timeline_newest_first ON timeline_entries (owner_id, created_at DESC, post_id DESC);
