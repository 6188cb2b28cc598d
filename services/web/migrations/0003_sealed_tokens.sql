-- The tokens a session keeps are sealed from now on (Fernet, under PLEIN_WEB_TOKEN_KEY). Rows
-- written before held them as they are: SQL cannot seal them, so those sign-ins end here (their
-- people sign in once more) and no token is left readable in the table.
UPDATE sessions
SET user_id = NULL, display_name = NULL, access_token = NULL, access_expires_at = NULL,
    refresh_token = NULL
WHERE refresh_token IS NOT NULL OR access_token IS NOT NULL;
COMMENT ON COLUMN sessions.refresh_token IS 'sealed (plein_web.sealing), never as issued';
COMMENT ON COLUMN sessions.access_token IS 'sealed (plein_web.sealing), never as issued';
