-- Calendar events ("gatherings") and their RSVPs: projection `posts_calendar`, from posts' own
-- GatheringScheduled, GatheringCancelled and GatheringAnswered. The upcoming list and each
-- person's calendar feed read these; one event's page reads its aggregate.
CREATE TABLE gatherings (
    gathering_id  uuid PRIMARY KEY,
    organiser_id  uuid NOT NULL,
    group_id      uuid,
    title         text NOT NULL,
    description   text NOT NULL DEFAULT '',
    place         text NOT NULL DEFAULT '',
    online_url    text,
    starts_at     timestamptz NOT NULL,
    ends_at       timestamptz NOT NULL,
    timezone      text NOT NULL,
    cancelled     boolean NOT NULL DEFAULT false,
    sequence      integer NOT NULL DEFAULT 0,
    changed_at    timestamptz NOT NULL
);
CREATE INDEX gatherings_upcoming ON gatherings (starts_at, gathering_id);
CREATE INDEX gatherings_by_group ON gatherings (group_id, starts_at);
CREATE INDEX gatherings_by_organiser ON gatherings (organiser_id);

CREATE TABLE gathering_answers (
    gathering_id  uuid NOT NULL,
    user_id       uuid NOT NULL,
    answer        text NOT NULL CHECK (answer IN ('yes', 'maybe', 'no')),
    PRIMARY KEY (gathering_id, user_id)
);
CREATE INDEX gathering_answers_by_person ON gathering_answers (user_id);

-- Personal calendar feed tokens (webcal). Not a read model: written by the API, never emptied
-- by a replay. Only a SHA-256 of the token is kept; a new token replaces (revokes) the old one.
CREATE TABLE calendar_feed_tokens (
    user_id     uuid PRIMARY KEY,
    token_hash  bytea NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL
);
