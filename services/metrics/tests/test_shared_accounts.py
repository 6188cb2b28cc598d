"""Shared accounts protect the person behind them, in metrics too: what a delegate writes as HR
is HR's in every row that names a post or reply (receipts over HTTP, the analysts' Parquet
export), while the live KPIs still count the delegate's participation (docs/metrics.md:
"the person who acted is the real author"). Real PostgreSQL and NATS."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
from plein_events.identity import DelegateGranted, SharedAccountCreated
from plein_events.posts import AnnouncementPosted, AnswerAccepted, ReplyPosted
from plein_metrics.domain import compute_report
from plein_metrics.inputs import Period, Scope
from plein_metrics.offline import offline_report
from plein_metrics.readmodel import fold
from plein_testdata.metrics import uid
from plein_testdata.servers import Plein

from .conftest import History, jan  # type: ignore[import-not-found]
from .test_export import K2, export_to, live_report, setup  # type: ignore[import-not-found]

PARAMS = {"from": "2026-01-05", "to": "2026-01-18", "ambassadors": "50"}
PERIOD = Period.parse("2026-01-05/2026-01-18")


async def test_a_post_reply_and_accepted_answer_written_as_hr_show_hr_never_the_delegate_in_receipts_and_export_while_live_kpis_count_the_delegate(  # noqa: E501
    plein: Plein, history: History, tmp_path: Path
) -> None:
    log, ids = history.log, history.ids
    before = compute_report(fold(history.envelopes).dataset(), PERIOD, Scope("org"), K2)
    # h (HR department) only read something so far; from now on they also write as HR
    delegate, hr, g1, post1 = ids["h"], uid("hr-account"), ids["G1"], ids["p1"]
    log.add(SharedAccountCreated(account_id=hr, name="HR", created_by=ids["a"]), jan(7, 9))
    log.add(DelegateGranted(account_id=hr, user_id=delegate, granted_by=ids["a"]), jan(7, 9))
    announcement, reply = uid("hr-announcement"), uid("hr-reply")
    log.add(
        AnnouncementPosted(
            post_id=announcement,
            author_id=hr,
            real_author_id=delegate,
            group_id=g1,
            text="New leave policy",
            title="Leave",
        ),
        jan(8, 9),
        delegate,
    )
    log.add(
        ReplyPosted(
            reply_id=reply,
            post_id=post1,
            parent_id=post1,
            post_author_id=ids["a"],
            parent_author_id=ids["a"],
            author_id=hr,
            real_author_id=delegate,
            group_id=g1,
            text="HR will look into it",
        ),
        jan(8, 10),
        delegate,
    )
    answer = uid("hr-answer")
    log.add(
        ReplyPosted(
            reply_id=answer,
            post_id=ids["q2"],
            parent_id=ids["q2"],
            post_author_id=ids["c"],
            parent_author_id=ids["c"],
            author_id=hr,
            real_author_id=delegate,
            post_kind="question",
            text="Ask HR",
        ),
        jan(8, 11),
        delegate,
    )
    accepted = AnswerAccepted(
        post_id=ids["q2"],
        reply_id=answer,
        reply_author_id=hr,
        question_author_id=ids["c"],
        accepted_by=ids["c"],
    )
    log.add(accepted, jan(8, 12), ids["c"])
    viewer = await setup(plein, history.envelopes, K2)
    plein.runtime.service("metrics").metrics.config = K2  # type: ignore[attr-defined]

    # The live KPIs count the delegate's participation: they created and responded.
    live = await live_report(plein, viewer, PARAMS)
    assert live["funnel"]["create"]["people"] == before["funnel"]["create"]["people"] + 1
    assert live["funnel"]["respond"]["people"] == before["funnel"]["respond"]["people"] + 1
    (counted,) = [a for a in live["ambassadors"] if a["user_id"] == str(delegate)]
    assert (counted["threads"], counted["replies"], counted["accepted_answers"]) == (1, 2, 1)

    # A row about the post names neither person: the receipts list the announcement by id.
    receipts = await plein.http.get(
        "/metrics/announcements/receipts",
        params={"from": "2026-01-05", "to": "2026-01-18"},
        headers=viewer.auth,
    )
    assert receipts.status_code == 200, receipts.text
    assert str(announcement) in receipts.text and str(delegate) not in receipts.text

    # The analysts' export: the thread, the activity and the events are HR's.
    await export_to(plein, tmp_path)
    threads = pq.read_table(tmp_path / "model" / "threads.parquet").to_pylist()
    assert {t["post_id"]: t["author_id"] for t in threads}[str(announcement)] == str(hr)
    activity = pq.read_table(tmp_path / "model" / "activity.parquet").to_pylist()
    written = {r["item_id"]: r["user_id"] for r in activity if r["kind"] != "read"}
    assert {written[str(i)] for i in (announcement, reply, answer)} == {str(hr)}
    for name in ("AnnouncementPosted", "ReplyPosted"):
        events = pq.read_table(tmp_path / "events" / f"{name}.parquet").to_pylist()
        rows = [e for e in events if e["author_id"] == str(hr)]
        assert rows and all(r["real_author_id"] is None and r["actor_id"] is None for r in rows)
    changes = pq.read_table(tmp_path / "changes.parquet").to_pylist()
    assert any(str(announcement) in c["row"] for c in changes)
    for path in [*tmp_path.rglob("*.parquet")]:
        for row in pq.read_table(path).to_pylist():
            text = json.dumps(row, default=str)
            if any(str(item) in text for item in (announcement, reply, answer)):
                assert str(delegate) not in text, (path.name, row)
    # so the export's KPIs count that writing for HR, who is no person of the population
    offline = offline_report(tmp_path, PERIOD, Scope("org"), K2)
    assert offline["funnel"]["create"]["people"] == before["funnel"]["create"]["people"]
    assert str(delegate) not in {a["user_id"] for a in offline["ambassadors"]}
