"""Cost of sealing personal fields: publishing and consuming UserRegistered envelopes with and
without crypto-shredding (AES-GCM per personal field), measured in the same run.

Baseline: envelope -> JSON bytes -> envelope -> payload model (what relay and runner do anyway).
Sealed: the same, plus sealing the personal fields before encoding and opening them after.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from uuid import uuid4

from plein_events import Envelope, UserRegistered, envelope_for, parse_payload
from plein_events.personal import new_person_key, seal_envelope, sealed_people, unseal_fields

N = 20_000


def envelopes() -> list[Envelope]:
    now = datetime.now(UTC)
    return [
        envelope_for(
            UserRegistered(
                user_id=uuid4(),
                email=f"person{i}@example.com",
                display_name=f"Person {i} van Dijk",
                department="Engineering",
                job_title="Engineer",
                languages=["nl", "en"],
            ),
            aggregate_id=str(i),
            aggregate_version=1,
            occurred_at=now,
            actor_id=None,
        )
        for i in range(N)
    ]


def plain(batch: list[Envelope]) -> float:
    start = time.perf_counter()
    for env in batch:
        parse_payload(Envelope.model_validate_json(env.model_dump_json().encode()))
    return N / (time.perf_counter() - start)


def sealed(batch: list[Envelope]) -> float:
    key_by_person = {str(e.payload["user_id"]): new_person_key() for e in batch}
    start = time.perf_counter()
    for env in batch:
        out = seal_envelope(env, lambda person: key_by_person[str(person)])
        back = Envelope.model_validate_json(out.model_dump_json().encode())
        opened = unseal_fields(
            back.payload, {p: key_by_person[p] for p in sealed_people(back.payload)}
        )
        parse_payload(back.model_copy(update={"payload": opened}))
    return N / (time.perf_counter() - start)


def main() -> None:
    batch = envelopes()
    plain(batch[:1000]), sealed(batch[:1000])  # warm up
    base, with_seal = plain(batch), sealed(batch)
    print(f"baseline: encode + decode + parse      {base:10,.0f} events/s")
    print(f"sealed:   + seal + unseal (AES-GCM)     {with_seal:10,.0f} events/s")
    print(f"ratio sealed/baseline: {with_seal / base:.2f}")


if __name__ == "__main__":
    main()
