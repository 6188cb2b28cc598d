-- What notify knows about people, groups and threads (all from contract events), the inbox,
-- the e-mail queue and escalations. The projection's tables are listed in
-- plein_notify.store.TABLES; preferences, the e-mail queue and the signing secret are not
-- projections (people set them, or they record what was already sent) and survive a replay.

CREATE TABLE people (
    user_id       uuid PRIMARY KEY,
    display_name  text NOT NULL,
    email         text NOT NULL,
    active        boolean NOT NULL DEFAULT true
);

CREATE TABLE groups (
    group_id  uuid PRIMARY KEY,
    name      text NOT NULL,
    private   boolean NOT NULL DEFAULT false
);

CREATE TABLE members (
    group_id  uuid NOT NULL,
    user_id   uuid NOT NULL,
    is_admin  boolean NOT NULL DEFAULT false,
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX members_by_user ON members (user_id);

CREATE TABLE roles (
    user_id  uuid NOT NULL,
    role     text NOT NULL,
    PRIMARY KEY (user_id, role)
);

CREATE TABLE availability (
    user_id     uuid PRIMARY KEY,
    away_until  timestamptz,
    backup_id   uuid
);

-- A person's channel per kind; absent rows mean the default (plein_notify.domain).
CREATE TABLE preferences (
    user_id  uuid NOT NULL,
    kind     text NOT NULL,
    channel  text NOT NULL,
    PRIMARY KEY (user_id, kind)
);
CREATE TABLE digest_settings (
    user_id    uuid PRIMARY KEY,
    frequency  text NOT NULL
);

-- Threads: who is in them, and whether anyone replied (for escalations).
CREATE TABLE threads (
    post_id          uuid PRIMARY KEY,
    author_id        uuid NOT NULL,
    group_id         uuid,
    group_private    boolean NOT NULL DEFAULT false,
    kind             text NOT NULL,
    created_at       timestamptz NOT NULL,
    first_reply_id   uuid,
    first_reply_at   timestamptz,
    deleted          boolean NOT NULL DEFAULT false
);
CREATE INDEX threads_unanswered ON threads (created_at)
    WHERE first_reply_id IS NULL AND group_id IS NOT NULL AND NOT deleted;
CREATE TABLE thread_participants (
    post_id  uuid NOT NULL,
    user_id  uuid NOT NULL,
    PRIMARY KEY (post_id, user_id)
);

-- The inbox. Entries about the same thing are consolidated while unread (one unread entry per
-- recipient and group_key); `change_seq` orders every change for the live stream.
CREATE SEQUENCE inbox_changes;
CREATE TABLE notifications (
    id              uuid PRIMARY KEY,
    recipient_id    uuid NOT NULL,
    kind            text NOT NULL,
    group_key       text NOT NULL,
    post_id         uuid,
    group_id        uuid,
    post_kind       text,
    own_post        boolean NOT NULL DEFAULT true,
    private_hidden  boolean NOT NULL DEFAULT false,
    excerpt         text,
    excerpt_author  uuid,
    waited_hours    double precision,
    actor_count     integer NOT NULL DEFAULT 0,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    read_at         timestamptz,
    change_seq      bigint NOT NULL DEFAULT nextval('inbox_changes'),
    in_digest       boolean NOT NULL DEFAULT false,
    digested_at     timestamptz
);
CREATE UNIQUE INDEX notifications_one_unread ON notifications (recipient_id, group_key)
    WHERE read_at IS NULL;
CREATE INDEX notifications_inbox ON notifications (recipient_id, updated_at DESC, id DESC);
CREATE INDEX notifications_changes ON notifications (recipient_id, change_seq);
CREATE INDEX notifications_digest ON notifications (recipient_id)
    WHERE in_digest AND digested_at IS NULL;

CREATE TABLE notification_actors (
    notification_id  uuid NOT NULL,  -- no foreign key: a replay truncates table by table
    actor_id         uuid NOT NULL,
    at               timestamptz NOT NULL,
    PRIMARY KEY (notification_id, actor_id)
);
CREATE INDEX notification_actors_by_actor ON notification_actors (actor_id);

-- One row per (cause, recipient, kind): a redelivered or re-published event finds its row.
CREATE TABLE causes (
    cause_key  text PRIMARY KEY
);

-- E-mails to send at `due_at` (announcements wait to be seen in the app first). `cause_key`
-- is unique, so a replay never queues (or sends) an e-mail twice.
CREATE TABLE email_queue (
    id               bigserial PRIMARY KEY,
    cause_key        text NOT NULL UNIQUE,
    recipient_id     uuid NOT NULL,
    notification_id  uuid NOT NULL,
    kind             text NOT NULL,
    post_id          uuid,
    due_at           timestamptz NOT NULL,
    sent_at          timestamptz,
    cancelled        boolean NOT NULL DEFAULT false,
    attempts         integer NOT NULL DEFAULT 0,
    last_error       text
);
CREATE INDEX email_queue_due ON email_queue (due_at) WHERE sent_at IS NULL AND NOT cancelled;

CREATE TABLE digests_sent (
    user_id       uuid PRIMARY KEY,
    last_sent_at  timestamptz NOT NULL
);

CREATE TABLE escalations (
    escalation_id  uuid PRIMARY KEY,
    post_id        uuid NOT NULL UNIQUE,
    group_id       uuid,
    raised_to      uuid[] NOT NULL,
    raised_at      timestamptz NOT NULL,
    resolved_at    timestamptz
);

-- Gentle notices already given: one per group and ISO week.
CREATE TABLE guideline_notices (
    group_id  uuid NOT NULL,
    week      text NOT NULL,
    PRIMARY KEY (group_id, week)
);

-- Signs unsubscribe links.
CREATE TABLE mail_secret (
    id     integer PRIMARY KEY CHECK (id = 1),
    value  text NOT NULL
);
