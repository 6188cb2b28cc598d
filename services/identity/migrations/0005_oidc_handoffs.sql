-- Single sign-on that ends in the web client's session: the flow remembers where it ends, and
-- the callback hands the web client a one-time code (stored hashed, short-lived, bound to the
-- flow's state) that the web client swaps server-to-server for tokens.
ALTER TABLE oidc_logins ADD COLUMN return_to text;
CREATE TABLE oidc_handoffs (
    code_hash  text PRIMARY KEY,
    state      text NOT NULL,
    user_id    uuid NOT NULL,
    expires_at timestamptz NOT NULL
);
