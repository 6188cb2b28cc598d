-- Who follows which #topic (projection `posts_topics`, from identity's TopicFollowed and
-- TopicUnfollowed): the follower counts of the topic directory.
CREATE TABLE topic_follows (
    follower_id  uuid NOT NULL,
    topic        text NOT NULL,
    PRIMARY KEY (topic, follower_id)
);
CREATE INDEX topic_follows_by_follower ON topic_follows (follower_id);
