-- People whose accounts are deactivated: nothing is written into their timelines (nobody
-- reads them) until they return, when their timeline is rebuilt from what they follow.
CREATE TABLE deactivated (
    user_id  uuid PRIMARY KEY
);
