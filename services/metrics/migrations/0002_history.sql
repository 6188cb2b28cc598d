-- History instead of "as last known" (plein_metrics.readmodel): departments and memberships as
-- they were at the time of each activity, every accepted answer, a person's first reaction to a
-- target kept once, acknowledgements and names. The old rows cannot be converted (they lost the
-- history), so the read model is emptied and its projection replays the stream from the start.
TRUNCATE people, person_status, groups, memberships, roles, threads, activity, answers,
    escalations;
DELETE FROM projection_position WHERE projection = 'metrics';

ALTER TABLE people ADD COLUMN display_name text;

CREATE TABLE person_history (
    event_id    text PRIMARY KEY,
    user_id     text NOT NULL,
    at          timestamptz NOT NULL,
    department  text,
    is_manager  boolean NOT NULL DEFAULT false
);
CREATE INDEX person_history_user ON person_history (user_id, at);

CREATE TABLE membership_history (
    event_id  text PRIMARY KEY,
    group_id  text NOT NULL,
    user_id   text NOT NULL,
    at        timestamptz NOT NULL,
    role      text NOT NULL,
    held      boolean NOT NULL
);
CREATE INDEX membership_history_group ON membership_history (group_id, user_id, at);

DROP TABLE answers;
CREATE TABLE answers (
    event_id         text PRIMARY KEY,
    post_id          text NOT NULL,
    reply_id         text NOT NULL,
    reply_author_id  text NOT NULL,
    at               timestamptz NOT NULL
);
CREATE INDEX answers_at ON answers (at);

CREATE TABLE acknowledgements (
    post_id  text NOT NULL,
    user_id  text NOT NULL,
    at       timestamptz NOT NULL,
    PRIMARY KEY (post_id, user_id)
);

-- Read receipts read one post's activity.
CREATE INDEX activity_post ON activity (post_id);
