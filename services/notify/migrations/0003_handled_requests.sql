-- A join request's entry is handled once its admins decided it (approved or declined): it is
-- marked read and says so, and its pending e-mail is not sent.
ALTER TABLE notifications ADD COLUMN handled boolean NOT NULL DEFAULT false;
