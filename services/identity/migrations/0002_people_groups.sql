-- A rotated-in signing key is published at once but signs only from `signs_from` on, once
-- every service's cached JWKS has had time to pick it up.
ALTER TABLE signing_keys ADD COLUMN signs_from timestamptz NOT NULL DEFAULT now();

-- Per-person keys that seal personal fields (crypto-shredding). `key` NULL: shredded (erased).
-- `shared`: the current state is in the JetStream KV bucket PLEIN_PERSON_KEYS.
CREATE TABLE person_keys (
    person_id   uuid PRIMARY KEY,
    key         bytea,
    shared      boolean NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL DEFAULT now(),
    erased_at   timestamptz
);

-- Refresh tokens: opaque, stored as SHA-256 only, rotated on every use. Reusing a rotated
-- token revokes its whole family (someone copied it).
CREATE TABLE refresh_tokens (
    token_hash   text PRIMARY KEY,
    family_id    uuid NOT NULL,
    user_id      uuid NOT NULL,
    acting_as    uuid,
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    used_at      timestamptz,
    revoked_at   timestamptz
);
CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);

-- Wrong passwords in a row, per account and per client address: login slows down.
CREATE TABLE login_failures (
    key           text PRIMARY KEY,
    failures      integer NOT NULL,
    blocked_until timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL DEFAULT now()
);

-- Invitations to register (for addresses outside the organisation's domains).
CREATE TABLE signup_invitations (
    token_hash  text PRIMARY KEY,
    email       text NOT NULL,
    invited_by  uuid NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz
);

-- Read models (projection "identity-directory"), rebuilt by `plein replay identity-directory`.
CREATE TABLE people (
    user_id      uuid PRIMARY KEY,
    kind         text NOT NULL DEFAULT 'person',
    email        text,
    display_name text NOT NULL,
    department   text,
    job_title    text,
    location     text,
    photo_url    text,
    bio          text,
    languages    text[] NOT NULL DEFAULT '{}',
    is_manager   boolean NOT NULL DEFAULT false,
    manager_id   uuid,
    active       boolean NOT NULL DEFAULT true,
    erased       boolean NOT NULL DEFAULT false,
    roles        text[] NOT NULL DEFAULT '{}',
    away_until   timestamptz,
    backup_id    uuid,
    registered_at timestamptz NOT NULL
);
CREATE INDEX people_name ON people (lower(display_name), user_id);
CREATE INDEX people_department ON people (lower(department));

CREATE TABLE follows (
    follower_id uuid NOT NULL,
    followee_id uuid NOT NULL,
    since       timestamptz NOT NULL,
    PRIMARY KEY (follower_id, followee_id)
);
CREATE INDEX follows_followee ON follows (followee_id, follower_id);

CREATE TABLE groups (
    group_id       uuid PRIMARY KEY,
    name           text NOT NULL,
    description    text NOT NULL DEFAULT '',
    visibility     text NOT NULL,
    is_all_company boolean NOT NULL DEFAULT false,
    archived       boolean NOT NULL DEFAULT false,
    created_at     timestamptz NOT NULL
);

CREATE TABLE group_members (
    group_id  uuid NOT NULL,
    user_id   uuid NOT NULL,
    is_admin  boolean NOT NULL DEFAULT false,
    via       text NOT NULL,
    joined_at timestamptz NOT NULL,
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX group_members_user ON group_members (user_id);

CREATE TABLE group_requests (
    group_id     uuid NOT NULL,
    user_id      uuid NOT NULL,
    message      text NOT NULL DEFAULT '',
    requested_at timestamptz NOT NULL,
    PRIMARY KEY (group_id, user_id)
);

CREATE TABLE group_invitations (
    group_id   uuid NOT NULL,
    user_id    uuid NOT NULL,
    invited_by uuid NOT NULL,
    invited_at timestamptz NOT NULL,
    PRIMARY KEY (group_id, user_id)
);

-- The newest version of each aggregate the directory has applied: a write waits for it, so
-- that what someone just did shows in their next list or search.
CREATE TABLE directory_seen (
    aggregate_id text PRIMARY KEY,
    version      integer NOT NULL
);

-- Single sign-on attempts under way: state (once), nonce and PKCE verifier.
CREATE TABLE oidc_logins (
    state         text PRIMARY KEY,
    nonce         text NOT NULL,
    code_verifier text NOT NULL,
    expires_at    timestamptz NOT NULL
);
