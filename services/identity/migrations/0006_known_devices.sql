-- Devices a person signed in from (OWASP's "device cookie"): after a successful sign-in the
-- client gets an opaque device token (kept here hashed). With it, a sign-in is limited only
-- by the wrong passwords sent with that same token, never by those from other addresses or
-- devices: a stranger guessing cannot lock a colleague out of their own device.
CREATE TABLE known_devices (
    token_hash    text PRIMARY KEY,
    email         text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_used_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX known_devices_by_email ON known_devices (email);
