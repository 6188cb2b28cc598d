-- Which threads each person left a trace in (wrote, replied, reacted, voted, reported, was
-- praised in), so their export loads only those threads. Projection "posts_export_touches".
CREATE TABLE export_touches (
    person_id  uuid NOT NULL,
    post_id    uuid NOT NULL,
    PRIMARY KEY (person_id, post_id)
);
