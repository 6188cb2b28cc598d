-- Articles as lists need them (projection `posts_articles`, from posts' own Article* events):
-- where each is placed, its state, when it is or was published, whether it is featured and
-- who may edit it. The words stay in the event store, sealed under their writer's key.
CREATE TABLE articles (
    article_id      uuid PRIMARY KEY,
    author_id       uuid NOT NULL,
    real_author_id  uuid NOT NULL,
    group_id        uuid,
    state           text NOT NULL DEFAULT 'draft',
    -- scheduled: when it goes out (a read counts it as published from then on);
    -- published: when it went out.
    publish_at      timestamptz,
    featured        boolean NOT NULL DEFAULT false,
    editors         uuid[] NOT NULL DEFAULT '{}',  -- the author, the person behind, co-editors
    thread_id       uuid,
    updated_at      timestamptz NOT NULL
);
CREATE INDEX articles_by_publication ON articles (publish_at DESC) WHERE state IN ('scheduled', 'published');
CREATE INDEX articles_by_author ON articles (author_id, publish_at DESC);
CREATE INDEX articles_by_editor ON articles USING gin (editors);
