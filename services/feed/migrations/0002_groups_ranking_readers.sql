-- Groups and memberships, everything ranking needs, and what readers saw and acknowledged.

ALTER TABLE people
    ADD COLUMN manager_id uuid,
    ADD COLUMN follower_count integer NOT NULL DEFAULT 0,
    -- one-way switch: once more followers than the fan-out threshold, posts are read, not written
    ADD COLUMN read_fanout boolean NOT NULL DEFAULT false;

CREATE TABLE groups (
    group_id        uuid PRIMARY KEY,
    name            text NOT NULL,
    visibility      text NOT NULL DEFAULT 'public',
    is_all_company  boolean NOT NULL DEFAULT false,
    member_count    integer NOT NULL DEFAULT 0,
    read_fanout     boolean NOT NULL DEFAULT false
);

CREATE TABLE members (
    group_id  uuid NOT NULL,
    user_id   uuid NOT NULL,
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX members_by_user ON members (user_id, group_id);

ALTER TABLE posts
    ADD COLUMN private         boolean NOT NULL DEFAULT false,
    ADD COLUMN title           text NOT NULL DEFAULT '',
    ADD COLUMN hidden          boolean NOT NULL DEFAULT false,
    ADD COLUMN deleted         boolean NOT NULL DEFAULT false,
    ADD COLUMN reply_count     integer NOT NULL DEFAULT 0,
    ADD COLUMN reaction_count  integer NOT NULL DEFAULT 0,
    ADD COLUMN answered        boolean NOT NULL DEFAULT false,
    ADD COLUMN last_activity_at timestamptz;
DROP INDEX posts_by_author;
CREATE INDEX posts_by_author ON posts (author_id, created_at DESC, post_id DESC);
CREATE INDEX posts_by_group ON posts (group_id, created_at DESC, post_id DESC)
    WHERE group_id IS NOT NULL;
CREATE INDEX announcements ON posts (created_at DESC) WHERE kind = 'announcement';

CREATE TABLE post_mentions (
    post_id  uuid NOT NULL,
    user_id  uuid NOT NULL,
    PRIMARY KEY (post_id, user_id)
);
CREATE INDEX mentions_by_user ON post_mentions (user_id);

-- Why an entry is there is worked out when it is read (follows, memberships and mentions
-- change); an entry only records that it is in the timeline.
ALTER TABLE timeline_entries DROP COLUMN reason;
CREATE INDEX timeline_by_post ON timeline_entries (post_id);
-- One unique index serves both paging and de-duplication (an entry's created_at is its post's,
-- so (owner, created_at, post) is as unique as (owner, post)): one index less per fanned-out row.
ALTER TABLE timeline_entries DROP CONSTRAINT timeline_entries_pkey;
DROP INDEX timeline_newest_first;
CREATE UNIQUE INDEX timeline_newest_first
    ON timeline_entries (owner_id, created_at DESC, post_id DESC);

-- How often a person replied or reacted to an author or in a group (target: person or group).
CREATE TABLE affinity (
    person_id     uuid NOT NULL,
    target_id     uuid NOT NULL,
    interactions  integer NOT NULL DEFAULT 0,
    PRIMARY KEY (person_id, target_id)
);

-- Built from the feed's own PostsSeen and AnnouncementAcknowledged events.
CREATE TABLE readers (
    user_id       uuid PRIMARY KEY,
    last_seen_at  timestamptz NOT NULL
);
CREATE TABLE acknowledgements (
    user_id  uuid NOT NULL,
    post_id  uuid NOT NULL,
    PRIMARY KEY (user_id, post_id)
);
