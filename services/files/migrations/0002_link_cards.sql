-- Link previews (plein_files.link_cards). `link_cards` (one card per URL, fetched by the worker)
-- and `link_card_removals` (an author took a card off) are the service's own records;
-- `link_places` (the first link of each post and reply) is a projection of posts' events.

CREATE TABLE link_cards (
    url           text PRIMARY KEY,
    -- queued (not fetched yet) · ready · failed (the site did not answer well) · refused (SSRF)
    status        text NOT NULL DEFAULT 'queued',
    due           boolean NOT NULL DEFAULT true,
    queued_at     timestamptz NOT NULL,
    fetched_at    timestamptz,
    reason        text NOT NULL DEFAULT '',
    title         text NOT NULL DEFAULT '',
    description   text NOT NULL DEFAULT '',
    site_name     text NOT NULL DEFAULT '',
    image_key     text,
    image_width   integer,
    image_height  integer
);
CREATE INDEX link_cards_due ON link_cards (queued_at) WHERE due;

CREATE TABLE link_places (
    place_id  uuid PRIMARY KEY,
    url       text NOT NULL
);

CREATE TABLE link_card_removals (
    place_id    uuid PRIMARY KEY,
    url         text NOT NULL,
    removed_by  uuid NOT NULL,
    removed_at  timestamptz NOT NULL
);
