-- Web Push: each person's devices (browser push subscriptions), the pushes to send (filled in
-- the projection's transaction, sent by a background worker, like the e-mail queue), whether a
-- person lets pushes show a private group's text, and the instance's VAPID key pair when no
-- Kubernetes Secret gives one. None of these is a projection: they survive a replay, and a
-- replay never pushes twice (`cause_key`, `subscription_id` is unique).
CREATE TABLE push_subscriptions (
    id            uuid PRIMARY KEY,
    user_id       uuid NOT NULL,
    endpoint      text NOT NULL UNIQUE,
    p256dh        text NOT NULL,
    auth          text NOT NULL,
    device_name   text NOT NULL,
    created_at    timestamptz NOT NULL,
    last_used_at  timestamptz
);
CREATE INDEX push_subscriptions_by_user ON push_subscriptions (user_id);

CREATE TABLE push_queue (
    id               bigserial PRIMARY KEY,
    cause_key        text NOT NULL,
    subscription_id  uuid NOT NULL REFERENCES push_subscriptions (id) ON DELETE CASCADE,
    notification_id  uuid NOT NULL,
    kind             text NOT NULL,
    due_at           timestamptz NOT NULL,
    sent_at          timestamptz,
    attempts         integer NOT NULL DEFAULT 0,
    last_error       text,
    UNIQUE (cause_key, subscription_id)
);
-- Announcements (to thousands at once) go after what is addressed to one person: a reply
-- queued during an all-company announcement waits for one batch, not for the announcement.
CREATE INDEX push_queue_due ON push_queue ((kind = 'announcement'), due_at) WHERE sent_at IS NULL;

CREATE TABLE push_settings (
    user_id           uuid PRIMARY KEY,
    private_previews  boolean NOT NULL
);

CREATE TABLE vapid_keys (
    id           integer PRIMARY KEY CHECK (id = 1),
    private_pem  text NOT NULL
);
