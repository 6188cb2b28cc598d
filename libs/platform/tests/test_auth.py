"""Token verification: a verified token is remembered only while it is valid."""

from __future__ import annotations

import asyncio
import json
import time
from uuid import UUID, uuid4

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from plein_platform.auth import Principal, TokenVerifier
from plein_platform.errors import NotAuthenticated

ISSUER, AUDIENCE = "https://plein.test/identity", "plein"


def verifier_knowing(key: Ed25519PrivateKey, kid: str) -> TokenVerifier:
    verifier = TokenVerifier("http://unused.invalid/jwks", issuer=ISSUER, audience=AUDIENCE)
    public = json.loads(jwt.algorithms.OKPAlgorithm.to_jwk(key.public_key()))
    verifier._keys[kid] = jwt.PyJWK({**public, "kid": kid, "alg": "EdDSA"})  # as if fetched
    return verifier


def token(key: Ed25519PrivateKey, kid: str, *, lives_s: float) -> str:
    now = time.time()
    claims = {"sub": str(uuid4()), "iss": ISSUER, "aud": AUDIENCE, "iat": int(now)}
    claims["exp"] = now + lives_s
    return jwt.encode(claims, key, algorithm="EdDSA", headers={"kid": kid})


async def test_a_remembered_token_still_expires_on_time() -> None:
    key, kid = Ed25519PrivateKey.generate(), "k1"
    verifier = verifier_knowing(key, kid)
    short = token(key, kid, lives_s=1.5)

    first = await verifier.verify(short)
    keys = dict(verifier._keys)
    verifier._keys.clear()  # a second check now could not verify the signature: it is remembered
    assert await verifier.verify(short) == first

    verifier._keys.update(keys)
    await asyncio.sleep(1.7)
    with pytest.raises(NotAuthenticated, match="expired"):
        await verifier.verify(short)


async def test_a_bad_token_is_never_remembered() -> None:
    """A refused token is checked again every time, and a forgery of a remembered token (the
    same header and claims, another signature) is checked, not recognised: what is remembered
    is the whole token, signature included, and only once it verified."""
    key, kid = Ed25519PrivateKey.generate(), "k1"
    verifier = verifier_knowing(key, kid)
    sub = str(uuid4())
    claims = {"sub": sub, "iss": ISSUER, "aud": AUDIENCE, "iat": int(time.time())}
    claims["exp"] = int(time.time()) + 60
    genuine = jwt.encode(claims, key, algorithm="EdDSA", headers={"kid": kid})
    forged = jwt.encode(
        claims, Ed25519PrivateKey.generate(), algorithm="EdDSA", headers={"kid": kid}
    )
    assert forged.rsplit(".", 1)[0] == genuine.rsplit(".", 1)[0] and forged != genuine

    await verifier.verify(genuine)
    with pytest.raises(NotAuthenticated, match="invalid"):
        await verifier.verify(forged)

    # From here on the signing key cannot be had (identity unreachable): only what the
    # verifier remembers still verifies, and a token it checks again is "unavailable".
    verifier._keys.clear()
    verifier.jwks_url = "http://127.0.0.1:9/jwks"
    assert (await verifier.verify(genuine)).user_id == UUID(sub)
    with pytest.raises(NotAuthenticated, match="unavailable"):
        await verifier.verify(forged)


async def test_a_refused_token_is_checked_again_next_time() -> None:
    """A refusal is not remembered: a token refused while its signing key could not be
    fetched (identity unreachable) verifies once the key is known."""
    key, kid = Ed25519PrivateKey.generate(), "k2"
    verifier = TokenVerifier("http://127.0.0.1:9/jwks", issuer=ISSUER, audience=AUDIENCE)
    fresh = token(key, kid, lives_s=60)
    with pytest.raises(NotAuthenticated, match="unavailable"):
        await verifier.verify(fresh)

    known = verifier_knowing(key, kid)._keys[kid]
    verifier._keys[kid] = known  # as if identity answered the next fetch
    assert await verifier.verify(fresh) == Principal.from_claims(
        jwt.decode(fresh, options={"verify_signature": False})
    )
