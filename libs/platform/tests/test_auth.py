"""Token verification: a verified token is remembered only while it is valid."""

from __future__ import annotations

import asyncio
import json
import time
from uuid import uuid4

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from plein_platform.auth import TokenVerifier
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
    key, kid = Ed25519PrivateKey.generate(), "k1"
    verifier = verifier_knowing(key, kid)
    forged = token(Ed25519PrivateKey.generate(), kid, lives_s=60)
    for _ in range(2):
        with pytest.raises(NotAuthenticated):
            await verifier.verify(forged)
