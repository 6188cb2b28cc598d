-- Browser sessions of the web client (the backend-for-frontend keeps the tokens, never the
-- browser). The cookie carries a random id; only its SHA-256 is stored, so a copy of this table
-- does not let anyone into a session. A visitor who is not signed in has a session too (with
-- no user), which carries the CSRF token of the sign-in and register forms.
CREATE TABLE sessions (
    id_hash          text PRIMARY KEY,
    csrf_token       text NOT NULL,
    user_id          uuid,
    display_name     text,
    access_token     text,
    access_expires_at timestamptz,
    refresh_token    text,
    language         text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    expires_at       timestamptz NOT NULL
);
CREATE INDEX sessions_expiry ON sessions (expires_at);
