-- People who may no longer act, as this service last heard from identity (UserDeactivated,
-- UserReactivated, UserErased). Every service checks it on each request, so a deactivated or
-- erased person's access token is refused at once, not when it expires minutes later.
CREATE TABLE inactive_people (
    user_id   uuid PRIMARY KEY,
    erased    boolean NOT NULL DEFAULT false,
    since     timestamptz NOT NULL
);
