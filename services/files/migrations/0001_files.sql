-- The files service's schema. `files`, `derivatives`, `signing_keys` and `doomed_objects` are
-- the service's own records (written by its use cases, they survive a replay); `groups`,
-- `members`, `places`, `attachments` and `processing_queue` are projections of events
-- (plein_files.store.PLACE_TABLES) and are rebuilt by one.

CREATE TABLE files (
    file_id      uuid PRIMARY KEY,
    uploader_id  uuid NOT NULL,
    name         text NOT NULL,
    media_type   text NOT NULL,
    kind         text NOT NULL,
    size         bigint NOT NULL,
    storage_key  text NOT NULL,
    status       text NOT NULL DEFAULT 'processing',
    reason       text NOT NULL DEFAULT '',
    alt          text NOT NULL DEFAULT '',
    width        integer,
    height       integer,
    page_count   integer,
    duration_s   double precision,
    -- Words found inside (PDF, Office, text): only for search, never on an event.
    content_text text NOT NULL DEFAULT '',
    searchable   tsvector NOT NULL DEFAULT ''::tsvector,
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL
);
CREATE INDEX files_uploader ON files (uploader_id, created_at DESC, file_id DESC);
CREATE INDEX files_searchable ON files USING gin (searchable);

-- Previews made from a file (small/large WebP, a PDF's first page, a video's poster).
CREATE TABLE derivatives (
    file_id      uuid NOT NULL REFERENCES files ON DELETE CASCADE,
    size         text NOT NULL,
    media_type   text NOT NULL,
    bytes        bigint NOT NULL,
    storage_key  text NOT NULL,
    PRIMARY KEY (file_id, size)
);

-- Objects to delete from storage: a deletion commits first, the bytes go after (and again
-- until they are gone), so a failing object store never keeps a deleted file's row alive.
CREATE TABLE doomed_objects (
    storage_key  text PRIMARY KEY,
    since        timestamptz NOT NULL DEFAULT now()
);

-- The secret that signs short-lived links (made at first start, shared by every replica).
CREATE TABLE signing_keys (
    id      integer PRIMARY KEY,
    secret  bytea NOT NULL
);

-- Identity's facts the visibility rule needs.
CREATE TABLE groups (
    group_id  uuid PRIMARY KEY,
    private   boolean NOT NULL DEFAULT false
);
CREATE TABLE members (
    group_id  uuid NOT NULL,
    user_id   uuid NOT NULL,
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX members_user ON members (user_id);

-- Where files are attached: a place is a post or a reply (place_id = the reply's id for a
-- reply, the post's for a post), from posts' events.
CREATE TABLE places (
    place_id   uuid PRIMARY KEY,
    post_id    uuid NOT NULL,
    author_id  uuid NOT NULL,
    group_id   uuid,
    hidden     boolean NOT NULL DEFAULT false,
    deleted    boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL
);
CREATE INDEX places_post ON places (post_id);
CREATE INDEX places_group ON places (group_id);

CREATE TABLE attachments (
    file_id   uuid NOT NULL,
    place_id  uuid NOT NULL,
    position  integer NOT NULL,
    PRIMARY KEY (file_id, place_id)
);
CREATE INDEX attachments_place ON attachments (place_id);

-- Files waiting for their previews and text (from FileUploaded).
CREATE TABLE processing_queue (
    file_id  uuid PRIMARY KEY,
    queued_at timestamptz NOT NULL
);
