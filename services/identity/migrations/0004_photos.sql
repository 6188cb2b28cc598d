-- Profile photos, uploaded by their owner, cropped square and resized by identity (Pillow).
-- Erasing a person deletes their photo with the rest of their profile (store.erase_person).
CREATE TABLE photos (
    user_id    uuid PRIMARY KEY,
    image      bytea NOT NULL,
    media_type text NOT NULL,
    etag       text NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
