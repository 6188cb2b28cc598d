"""The JetStream streams Plein uses: `PLEIN` for every event, `PLEIN_DLQ` for dead letters."""

from __future__ import annotations

from nats.js import JetStreamContext
from nats.js.api import (
    DiscardPolicy,
    KeyValueConfig,
    RetentionPolicy,
    StorageType,
    StreamConfig,
)
from nats.js.errors import NotFoundError

from .contract import SUBJECT_PREFIX
from .personal import PERSON_KEYS_BUCKET

STREAM_NAME = "PLEIN"
DEAD_LETTER_STREAM_NAME = "PLEIN_DLQ"
DEAD_LETTER_PREFIX = "dlq.plein"


def dead_letter_subject(projection: str) -> str:
    return f"{DEAD_LETTER_PREFIX}.{projection}"


def plein_stream_config(duplicate_window_s: float = 600.0, replicas: int = 1) -> StreamConfig:
    """Every event, kept forever on file: analysts and rebuilds replay from the start."""
    return StreamConfig(
        name=STREAM_NAME,
        subjects=[f"{SUBJECT_PREFIX}.*.*"],
        retention=RetentionPolicy.LIMITS,
        storage=StorageType.FILE,
        discard=DiscardPolicy.OLD,
        max_age=0,
        max_msgs=-1,
        max_bytes=-1,
        duplicate_window=duplicate_window_s,
        allow_direct=True,
        num_replicas=replicas,
    )


def dead_letter_stream_config(replicas: int = 1) -> StreamConfig:
    return StreamConfig(
        name=DEAD_LETTER_STREAM_NAME,
        subjects=[f"{DEAD_LETTER_PREFIX}.>"],
        retention=RetentionPolicy.LIMITS,
        storage=StorageType.FILE,
        duplicate_window=600.0,
        num_replicas=replicas,
    )


async def ensure_streams(
    js: JetStreamContext, duplicate_window_s: float = 600.0, replicas: int = 1
) -> None:
    """Create the streams, or bring their configuration up to date. Safe to call at every start.

    `replicas` is how many JetStream servers keep each stream (3 on a 3-node cluster).
    """
    for config in (
        plein_stream_config(duplicate_window_s, replicas),
        dead_letter_stream_config(replicas),
    ):
        try:
            await js.stream_info(config.name)  # type: ignore[arg-type]
        except NotFoundError:
            await js.add_stream(config)
        else:
            await js.update_stream(config)

    # Per-person keys that open personal fields (crypto-shredding): one value per person, no
    # history, so purging a key leaves nothing behind.
    try:
        await js.key_value(PERSON_KEYS_BUCKET)
    except NotFoundError:
        await js.create_key_value(
            KeyValueConfig(
                bucket=PERSON_KEYS_BUCKET,
                history=1,
                storage=StorageType.FILE,
                replicas=replicas,
            )
        )
