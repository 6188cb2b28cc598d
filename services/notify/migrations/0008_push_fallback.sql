-- The second channel: after a push, the e-mail is queued for later and goes only if the entry
-- is still unread by then.
ALTER TABLE email_queue ADD COLUMN only_if_unread boolean NOT NULL DEFAULT false;
