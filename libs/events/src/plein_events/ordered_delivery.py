"""Delivery a projection can trust: a durable consumer recreated from the tracking row, and
a check that every delivery follows the one before it (JetStream's ordered-consumer rules).

The tracking row is the only truth about what was applied; the consumer's state on the server is
not (a restarted server may bring it back older or newer than what this client received, and
with the "all" ack policy one ack covers every earlier message, received or not). So the runner
works like JetStream's ordered consumers: it expects every delivery to carry the next consumer
sequence and a higher stream sequence, and on anything else (a gap, a redelivery, a reconnect,
the consumer gone from the server, nothing pending while the stream holds more on its
subjects) it throws its consumer away and creates a new one from just after the tracking row.
Nothing past a gap is ever applied or acknowledged.

This part stays on nats-py: FastStream declares a subscriber's consumer once, with a fixed
configuration, and its pull loop neither checks consumer sequences nor can restart the
consumer at a given stream sequence.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence

import structlog
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, ConsumerInfo, DeliverPolicy
from nats.js.errors import NotFoundError

from .stream import STREAM_NAME

log = structlog.get_logger(__name__)


class Resume(Exception):
    """Delivery can no longer be trusted to follow the tracking row: start again from it."""


class DeliveryOrder:
    """Deliveries of one consumer: consumer sequences 1, 2, 3... and rising stream sequences.

    A jump in the consumer sequence means deliveries were lost on the way (a pull request cut
    off by a reconnect); a repeated or lower one, or a stream sequence that does not rise, means
    redelivery or a consumer reset on the server. Either way the batch is not to be trusted.
    """

    def __init__(self, consumer_seq: int = 0, stream_seq: int = 0) -> None:
        """Start after what the consumer delivered so far (0, 0 for a new one)."""
        self.consumer_seq = consumer_seq
        self.stream_seq = stream_seq

    def check(self, msgs: Sequence[Msg]) -> None:
        for msg in msgs:
            seq = msg.metadata.sequence
            if seq.consumer != self.consumer_seq + 1 or seq.stream <= self.stream_seq:
                raise Resume(
                    f"delivery out of order: consumer seq {seq.consumer} after"
                    f" {self.consumer_seq}, stream seq {seq.stream} after {self.stream_seq}"
                )
            self.consumer_seq, self.stream_seq = seq.consumer, seq.stream


class OrderedConsumer:
    """The durable pull consumer `name` on `subjects` of the PLEIN stream, on nats-py."""

    def __init__(
        self,
        js: JetStreamContext,
        name: str,
        subjects: list[str],
        *,
        batch_size: int,
        ack_wait_s: float,
        api_timeout_s: float = 2.0,
    ) -> None:
        """`api_timeout_s`: how long a JetStream API call may take. Shorter than nats-py's 5 s
        default: during a cluster's election calls go unanswered, and the sooner one gives
        up, the sooner the next one finds the new leader."""
        self.js = js._nc.jetstream(timeout=api_timeout_s)
        self.name = name
        self.subjects = subjects
        self.batch_size = batch_size
        self.ack_wait_s = ack_wait_s

    def config(self, subjects: list[str]) -> ConsumerConfig:
        return ConsumerConfig(
            durable_name=self.name,
            filter_subjects=subjects,
            deliver_policy=DeliverPolicy.ALL,
            # "all" lets one ack cover the whole batch (acking only the last message of a batch
            # with explicit acks stalls at max_ack_pending).
            ack_policy=AckPolicy.ALL,
            ack_wait=self.ack_wait_s,
            max_ack_pending=max(1000, self.batch_size * 2),
            # One replica, state in memory: the tracking row is the truth, not the consumer's
            # state, so replicating it buys nothing, and costs a Raft group per consumer that
            # a cluster must elect a leader for after losing a node (seconds each). An R1
            # consumer on a surviving node goes on at once; one on the lost node is created
            # anew on another with a single API call (bench/cluster.py).
            num_replicas=1,
            mem_storage=True,
        )

    async def open_after(self, position: int) -> DeliveryOrder:
        """The consumer, ready to deliver from just after stream sequence `position`, and the
        order its next deliveries must follow.

        The tracking row, committed with the read model, is the truth about what was applied;
        the consumer's own state is not (a killed runner leaves a batch pending, and JetStream
        would deliver newer messages before redelivering it). So the consumer on the server is
        kept only when it stands exactly at the tracking row, with nothing delivered beyond it
        and nothing waiting for an ack: then it is the consumer a new one would be, and
        keeping it saves two JetStream API calls per projection, the calls that time out while
        a cluster elects its leaders. Anything else: deleted and created anew at the row.
        Should the kept one deliver out of order after all (a pull request of the broken
        connection it still serves), DeliveryOrder notices and the runner comes back here.
        """
        try:
            info = await self.js.consumer_info(STREAM_NAME, self.name)
        except NotFoundError:
            info = None
        except TimeoutError:
            # Unanswered: its node is gone (or the cluster is electing). Creating it again
            # moves it to a node that answers, if one does.
            info = None
            log.info("consumer does not answer; creating it anew", consumer=self.name)
        if info is not None and info.delivered and self._stands_at(info, position):
            return DeliveryOrder(info.delivered.consumer_seq or 0, position)
        if info is not None:
            log.info(
                "consumer created anew at the tracking row",
                consumer=self.name,
                position=position,
                delivered=info.delivered,
                ack_floor=info.ack_floor,
                ack_pending=info.num_ack_pending,
                redelivered=info.num_redelivered,
            )
        with contextlib.suppress(TimeoutError):  # a lost node's consumer cannot say it is gone
            await self.delete()
        config = self.config(self.subjects)
        if position > 0:
            config.deliver_policy = DeliverPolicy.BY_START_SEQUENCE
            config.opt_start_seq = position + 1
        await self.js.add_consumer(STREAM_NAME, config)
        return DeliveryOrder()

    def _stands_at(self, info: ConsumerInfo, position: int) -> bool:
        """Whether the consumer's next delivery is the message after `position`, nothing
        delivered beyond it, nothing waiting for an ack, and its configuration the one
        `config` makes."""
        config, delivered, acked = info.config, info.delivered, info.ack_floor
        if delivered is None or acked is None:
            return False
        # The server moves `delivered.stream_seq` past messages on other subjects too, so it
        # may stand beyond the position; what was delivered on ours is all acknowledged.
        everything_acked = delivered.consumer_seq == acked.consumer_seq and not (
            info.num_ack_pending or info.num_redelivered
        )
        at_position = acked.stream_seq == position or (
            delivered.consumer_seq == 0 and (config.opt_start_seq or 1) == position + 1
        )
        return (
            everything_acked
            and at_position
            and (delivered.stream_seq or 0) >= position
            and config.ack_policy == AckPolicy.ALL
            and sorted(config.filter_subjects or [config.filter_subject or ""]) == self.subjects
            and config.ack_wait == self.ack_wait_s
            and config.max_ack_pending == max(1000, self.batch_size * 2)
            and config.num_replicas in (None, 0, 1)
            and bool(config.mem_storage)
        )

    async def delete(self) -> None:
        try:
            await self.js.delete_consumer(STREAM_NAME, self.name)
        except NotFoundError:
            pass

    async def last_subject_seq(self) -> int:
        """The stream sequence of the newest message on these subjects (0: none)."""

        async def last_on(subject: str) -> int:
            try:
                msg = await self.js.get_last_msg(STREAM_NAME, subject, direct=True)
            except NotFoundError:
                return 0
            return int(msg.seq or 0)

        return max([0, *await asyncio.gather(*(last_on(s) for s in self.subjects))])

    async def pending_after(self, position: int) -> int:
        """Messages on these subjects in the stream after stream sequence `position`.

        Measured against the stream, not against what the consumer believes it delivered:
        the server counts them for a throw-away consumer that starts after the position.
        """
        if await self.last_subject_seq() <= position:
            return 0
        config = ConsumerConfig(
            filter_subjects=self.subjects,
            deliver_policy=DeliverPolicy.BY_START_SEQUENCE,
            opt_start_seq=position + 1,
            ack_policy=AckPolicy.NONE,
            inactive_threshold=30.0,  # gone by itself should the delete below not happen
        )
        info = await self.js.add_consumer(STREAM_NAME, config)
        try:
            return int(info.num_pending or 0)
        finally:
            with contextlib.suppress(Exception):
                await self.js.delete_consumer(STREAM_NAME, info.name)

    async def verify_idle(self, position: int) -> None:
        """Idle: the consumer still exists, and the stream holds nothing on these subjects
        past `position` that the consumer no longer means to deliver."""
        try:
            info = await self.js.consumer_info(STREAM_NAME, self.name)
        except NotFoundError as error:
            raise Resume("consumer gone from the server") from error
        if info.num_pending or info.num_ack_pending:
            return  # more is coming (or waits for its ack)
        if await self.last_subject_seq() > position:
            raise Resume("the stream holds messages the consumer will not deliver")
