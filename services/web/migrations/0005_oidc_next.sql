-- Single sign-on returns the person to the page they first asked for: the target (a path on
-- this site, checked when the flow starts) is kept with the flow's state, never taken from the
-- provider's callback.
ALTER TABLE sessions ADD COLUMN oidc_next text;
