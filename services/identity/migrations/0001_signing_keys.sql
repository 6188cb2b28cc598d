-- Keys that sign access tokens. The newest unretired key signs; every unretired key is
-- published in the JWKS, so a rotation never invalidates tokens already handed out.
CREATE TABLE signing_keys (
    kid          text PRIMARY KEY,
    private_pem  text NOT NULL,
    public_jwk   jsonb NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    retired_at   timestamptz
);
