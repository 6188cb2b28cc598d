"""The ordered-delivery check (nats-py side of the runner): anything but the next consumer
sequence with a rising stream sequence is a reason to resume from the tracking row."""

from __future__ import annotations

import pytest
from nats.aio.msg import Msg
from plein_events.ordered_delivery import DeliveryOrder, Resume


def delivered(stream_seq: int, consumer_seq: int, num_delivered: int = 1) -> Msg:
    """A message as JetStream delivers it: its sequences are in the reply (ack) subject."""
    reply = f"$JS.ACK.PLEIN.feed.{num_delivered}.{stream_seq}.{consumer_seq}.1700000000000000000.0"
    return Msg(_client=None, subject="plein.posts.PostCreated", reply=reply)  # type: ignore[arg-type]


def test_deliveries_in_order_across_batches_pass() -> None:
    order = DeliveryOrder()
    order.check([delivered(4, 1), delivered(7, 2)])
    order.check([delivered(8, 3)])
    assert (order.consumer_seq, order.stream_seq) == (3, 8)


def test_a_gap_in_consumer_sequences_means_resume() -> None:
    order = DeliveryOrder()
    order.check([delivered(4, 1)])
    with pytest.raises(Resume, match="consumer seq 3 after 1"):
        order.check([delivered(9, 3)])


def test_a_redelivery_means_resume() -> None:
    order = DeliveryOrder()
    order.check([delivered(4, 1), delivered(5, 2)])
    with pytest.raises(Resume):
        order.check([delivered(5, 2, num_delivered=2)])


def test_a_stream_sequence_that_does_not_rise_means_resume() -> None:
    order = DeliveryOrder()
    order.check([delivered(9, 1)])
    with pytest.raises(Resume, match="stream seq 3 after 9"):
        order.check([delivered(3, 2)])  # a consumer reset on the server


def test_a_consumer_that_starts_over_means_resume() -> None:
    order = DeliveryOrder()
    order.check([delivered(4, 1), delivered(5, 2)])
    with pytest.raises(Resume):
        order.check([delivered(6, 1)])
