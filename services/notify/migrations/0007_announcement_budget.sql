-- The announcement budget: every announcement that would interrupt a person (push or e-mail),
-- and whether it was held back to the digest because they had had their week's share. A
-- projection (rebuilt by replay in event order, so the same ones are held back).
CREATE TABLE announcements_told (
    cause_key     text PRIMARY KEY,
    recipient_id  uuid NOT NULL,
    group_id      uuid,
    at            timestamptz NOT NULL,
    held_back     boolean NOT NULL
);
CREATE INDEX announcements_told_by_recipient ON announcements_told (recipient_id, at);
CREATE INDEX announcements_told_held_back ON announcements_told (group_id, at) WHERE held_back;
