-- People this service has heard identity register (UserRegistered), fed by the standing
-- projection. A validly signed token for anyone not in here is refused (see caller.py): the
-- person does not exist, or their registration has not reached this service yet.
CREATE TABLE known_people (
    user_id        uuid PRIMARY KEY,
    registered_at  timestamptz NOT NULL
);
CREATE INDEX known_people_by_registration ON known_people (registered_at);

-- The standing projection now also keeps known_people: it starts again from the start of the
-- stream, so that the people registered before this migration are known too. Its own table
-- is emptied with it; replaying deactivations, reactivations and erasures in order rebuilds it.
DELETE FROM projection_position WHERE projection LIKE '%-standing';
DELETE FROM inactive_people;
