-- Access is checked when a notification is delivered (shown, streamed, e-mailed, digested),
-- not only when it is made. An entry remembers whether its group was private when it was made
-- (for a group notify has not heard of yet); the group's row, when there is one, says what it
-- is now.
ALTER TABLE notifications ADD COLUMN group_private boolean NOT NULL DEFAULT false;
CREATE INDEX notifications_by_group ON notifications (group_id, recipient_id)
    WHERE group_id IS NOT NULL;

-- A private group's escalations stay among its members unless its admins open them to the
-- community managers outside it. Set by the group's admins through notify's API; like
-- preferences, not a projection, so it survives a replay.
CREATE TABLE group_escalation_choices (
    group_id          uuid PRIMARY KEY,
    outside_managers  boolean NOT NULL
);
