-- Home reads merge the newest posts of large audiences (groups and people read at read time)
-- with the written timeline, `LIMIT n` per source. Over the full indexes the planner expects a
-- group to have its average share of posts, so for the all-company group it fetches every post
-- (a bitmap scan) and sorts them: a cost that grows with the group's history. Over these, which
-- hold only live posts and every column the merge reads, it walks the newest n in order and
-- stops (index-only), whatever the group's size. Nothing written often is in them: replies and
-- reactions still update posts in place (HOT).
CREATE INDEX live_posts_by_group ON posts (group_id, created_at DESC, post_id DESC)
    WHERE NOT hidden AND NOT deleted AND group_id IS NOT NULL;
CREATE INDEX live_posts_by_author ON posts (author_id, created_at DESC, post_id DESC)
    INCLUDE (group_id, private)
    WHERE NOT hidden AND NOT deleted;
