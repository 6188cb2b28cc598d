-- Single sign-on that ends in a browser session: the state of the flow this browser started,
-- checked when identity sends the browser back with its one-time code (so that no one can
-- complete their own sign-in in someone else's browser).
ALTER TABLE sessions ADD COLUMN oidc_state text;
