"""The worker supervisor's pause between restarts (no servers)."""

from __future__ import annotations

from plein_platform.runtime import RestartBackoff


def test_pause_doubles_while_a_worker_keeps_crashing_up_to_the_longest() -> None:
    backoff = RestartBackoff(first_s=0.2, max_s=10.0, healthy_s=30.0)
    pauses = [backoff.after_crash(ran_s=0.1) for _ in range(8)]
    assert pauses == [0.2, 0.4, 0.8, 1.6, 3.2, 6.4, 10.0, 10.0]


def test_pause_starts_over_after_a_healthy_run() -> None:
    backoff = RestartBackoff(first_s=0.2, max_s=10.0, healthy_s=30.0)
    for _ in range(10):
        backoff.after_crash(ran_s=0.1)  # a long outage: the pause reached its longest
    assert backoff.after_crash(ran_s=30.0) == 0.2  # ran fine for a while, then crashed once
    assert backoff.after_crash(ran_s=1.0) == 0.4


def test_a_short_run_between_crashes_keeps_the_pause_growing() -> None:
    backoff = RestartBackoff(first_s=0.2, max_s=10.0, healthy_s=30.0)
    backoff.after_crash(ran_s=0.1)
    assert backoff.after_crash(ran_s=29.9) == 0.4
