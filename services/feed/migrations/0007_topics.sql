-- #topics: the topics people follow, and each post's topics. A post with a topic someone
-- follows is written into their timeline if they may see it (store.visibility.AUDIENCE).
CREATE TABLE topic_follows (
    follower_id  uuid NOT NULL,
    topic        text NOT NULL,
    PRIMARY KEY (follower_id, topic)
);
CREATE INDEX topic_follows_by_topic ON topic_follows (topic, follower_id);

ALTER TABLE posts ADD COLUMN topics text[] NOT NULL DEFAULT '{}';
-- A new follow brings the topic's recent live posts (store.topics.add_topic_follow).
CREATE INDEX live_posts_by_topic ON posts USING gin (topics) WHERE NOT hidden AND NOT deleted;
