"""The analysts' replay: the export, offline KPIs equal to the live ones, rebuilds equal to
the live tables, erasure and private groups respected. Real PostgreSQL and NATS."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import duckdb
import pyarrow.parquet as pq
import pytest
from plein_events import FORMER_COLLEAGUE
from plein_events.identity import ProfileUpdated, RoleGranted, UserErased
from plein_events.projection import ProjectionRunner
from plein_metrics.consumers import metrics_projection
from plein_metrics.domain import compute_report
from plein_metrics.export import export_stream
from plein_metrics.inputs import Config, Period, Scope
from plein_metrics.offline import offline_report
from plein_metrics.readmodel import TABLES, fold
from plein_metrics.store import dump_tables
from plein_platform.database import migrate, platform_migrations, schema_pool
from plein_platform.runtime import connect_nats
from plein_testdata.metrics import organisation
from plein_testdata.servers import Plein

from .conftest import History, caught_up, jan, publish  # type: ignore[import-not-found]

pytestmark = pytest.mark.services("identity", "metrics")

K2 = Config(k=2, ambassadors=3)


async def export_to(plein: Plein, directory: Path, **kw: Any) -> Any:
    nc = await connect_nats(plein.nats_url, name="metrics-test-export")
    try:
        return await export_stream(nc.jetstream(), directory, **kw)
    finally:
        await nc.close()


async def live_report(plein: Plein, viewer: Any, params: dict[str, str]) -> dict[str, Any]:
    response = await plein.http.get("/metrics/kpis", params=params, headers=viewer.auth)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def setup(plein: Plein, envelopes: list[Any], config: Config) -> Any:
    viewer = await plein.register("olga", "Olga Analyst")
    grant = RoleGranted(user_id=UUID(viewer.id), role="community_manager")
    from plein_testdata.metrics import EventLog

    log = EventLog("grant")
    log.add(grant, datetime(2025, 1, 1, tzinfo=UTC))
    await caught_up(plein, await publish(plein.nats_url, [*envelopes, *log.envelopes]))
    plein.runtime.service("metrics").metrics.config = config  # type: ignore[attr-defined]
    return viewer


async def test_offline_kpis_equal_live_kpis_on_the_hand_built_history(
    plein: Plein, history: History, tmp_path: Path
) -> None:
    viewer = await setup(plein, history.envelopes, K2)
    await export_to(plein, tmp_path)
    for scope in ("org", "department:IT", f"group:{history.ids['G1']}"):
        for first, last in (("2026-01-05", "2026-01-18"), ("2026-01-12", "2026-01-12")):
            live = await live_report(plein, viewer, {"from": first, "to": last, "scope": scope})
            period = Period.of_dates(datetime.fromisoformat(first), datetime.fromisoformat(last))
            offline = offline_report(tmp_path, period, Scope.parse(scope), K2)
            assert offline == live, (scope, first)
    assert live["population"] == 3 and live["funnel"]["create"]["people"] == 1


async def test_offline_equals_live_with_history_changes_and_per_department_compare(
    plein: Plein, history: History, tmp_path: Path
) -> None:
    """The new rules' inputs (a department move, a member leaving, a reaction taken back and
    given again, a best answer switched, an acknowledgement): offline == live, compare
    included."""
    from plein_events.feed import AnnouncementAcknowledged
    from plein_events.identity import MemberLeft
    from plein_events.posts import Unreacted
    from plein_metrics.compare import compare
    from plein_testdata.metrics import uid

    ids, log = history.ids, history.log
    log.add(ProfileUpdated(user_id=ids["f"], email="f@example.com", display_name="F",
                           department="Sales"), jan(12))  # fmt: skip
    log.add(MemberLeft(group_id=ids["G1"], user_id=ids["c"]), jan(10))
    log.add(Unreacted(post_id=ids["p1"], target_author_id=ids["a"], user_id=ids["e"],
                      reaction="like", group_id=ids["G1"]), jan(13))  # fmt: skip
    log.react(ids["e"], jan(13, 1), ids["p1"], ids["a"], group=ids["G1"])
    r7 = log.reply("r7", ids["f"], jan(13), ids["q1"], ids["d"], kind="question")
    log.accept(ids["q1"], r7, ids["f"], ids["d"], jan(14))
    log.add(AnnouncementAcknowledged(post_id=uid("ann12"), user_id=ids["b"]), jan(12, 10))
    viewer = await setup(plein, history.envelopes, K2)
    await export_to(plein, tmp_path)
    weeks = ("2026-01-05/2026-01-11", "2026-01-12/2026-01-18")
    for scope in ("org", "department:Sales", f"group:{ids['G1']}"):
        response = await plein.http.get(
            "/metrics/compare",
            params={"baseline": weeks[0], "followup": weeks[1], "scope": scope},
            headers=viewer.auth,
        )
        assert response.status_code == 200, response.text
        offline = compare(
            *(offline_report(tmp_path, Period.parse(w), Scope.parse(scope), K2) for w in weeks)
        )
        assert offline == response.json(), scope
        if scope == "org":  # f counts for Sales from Jan 12: a b c, then a b c f
            sales = {d["department"]: d for d in offline["departments"]}["Sales"]
            assert (sales["population"]["baseline"], sales["population"]["followup"]) == (3, 4)


async def test_offline_kpis_equal_live_kpis_on_a_generated_organisation(
    plein: Plein, tmp_path: Path
) -> None:
    config = Config()
    viewer = await setup(plein, list(organisation(people=150, events=6000, days=90)), config)
    result = await export_to(plein, tmp_path)
    assert result.messages > 6000
    periods = [
        ("2026-01-01", "2026-01-31"),
        ("2026-02-01", "2026-03-31"),
        ("2026-03-10", "2026-03-10"),
    ]
    reports = {}
    for first, last in periods:
        for scope in ("org", "department:Sales"):
            live = await live_report(plein, viewer, {"from": first, "to": last, "scope": scope})
            period = Period.of_dates(datetime.fromisoformat(first), datetime.fromisoformat(last))
            assert offline_report(tmp_path, period, Scope.parse(scope), config) == live
            reports[(first, scope)] = live
    # the generated organisation is no trivial one: every KPI has something to count
    live = reports[("2026-02-01", "org")]
    assert live["population"] > 0
    assert live["funnel"]["read"]["people"] > 0 and live["responsiveness"]["threads"] > 0
    assert live["cross_department"]["interactions"] > 0 and live["ambassadors"]


async def test_rebuilding_into_a_fresh_schema_equals_the_live_tables(plein: Plein) -> None:
    await setup(plein, list(organisation(people=80, events=3000, days=60, seed=3)), Config())
    metrics = plein.runtime.service("metrics")
    live = await dump_tables(metrics.ctx.pool)
    assert len(live["activity"]) > 1000

    sources = [("platform", platform_migrations()), ("metrics", metrics.migrations())]
    await migrate(plein.database_url, "metrics_rebuild", sources)
    pool = schema_pool(plein.database_url, "metrics_rebuild")
    await pool.open()
    nc = await connect_nats(plein.nats_url, name="metrics-test-rebuild")
    try:
        runner = ProjectionRunner(metrics_projection("metrics_rebuild"), pool, nc.jetstream())
        await runner.replay()
        assert await dump_tables(pool) == live
    finally:
        await runner.delete_consumer()
        await pool.close()
        await nc.close()


async def test_exported_read_model_equals_the_live_tables(plein: Plein, tmp_path: Path) -> None:
    await setup(plein, list(organisation(people=60, events=2000, days=40, seed=5)), Config())
    live = await dump_tables(plein.runtime.service("metrics").ctx.pool)
    await export_to(plein, tmp_path)
    with duckdb.connect() as db:
        for table, spec in TABLES.items():
            columns = ", ".join(
                f'epoch_us("{c}")' if kind == "ts" else f'"{c}"' for c, kind in spec.columns.items()
            )
            order = ", ".join(f'"{c}"' for c in spec.key)
            path = tmp_path / "model" / f"{table}.parquet"
            rows = db.execute(f"SELECT {columns} FROM read_parquet('{path}') ORDER BY {order}")
            exported = [dict(zip(spec.columns, r, strict=True)) for r in rows.fetchall()]
            assert exported == live[table], table


async def test_export_keeps_erased_people_erased_and_private_content_out(
    plein: Plein, history: History, tmp_path: Path
) -> None:
    b, c = history.ids["b"], history.ids["c"]
    history.log.add(UserErased(user_id=b), jan(30))
    history.log.add(
        ProfileUpdated(user_id=c, email=FORMER_COLLEAGUE, display_name=FORMER_COLLEAGUE), jan(30)
    )
    await setup(plein, history.envelopes, K2)
    await export_to(plein, tmp_path)
    registered = pq.read_table(tmp_path / "events" / "UserRegistered.parquet").to_pylist()
    by_id = {r["user_id"]: r for r in registered}
    assert by_id[str(b)]["email"] is None and by_id[str(b)]["display_name"] is None
    assert by_id[str(b)]["department"] == "Sales"  # not personal: aggregates still use it
    assert by_id[str(history.ids["a"])]["email"] == "a@example.com"
    updated = pq.read_table(tmp_path / "events" / "ProfileUpdated.parquet").to_pylist()
    assert updated[0]["display_name"] is None and updated[0]["email"] is None
    posts = {
        r["post_id"]: r
        for r in pq.read_table(tmp_path / "events" / "PostCreated.parquet").to_pylist()
    }
    assert posts[str(history.ids["p2"])]["text"] is None  # private group
    assert posts[str(history.ids["p1"])]["text"] == "text of p1"
    groups = pq.read_table(tmp_path / "events" / "GroupCreated.parquet").to_pylist()
    names = {g["name"] for g in groups}  # identity adds its all-company group of its own
    assert "Sales team" in names and "Leadership" not in names and None in names
    people = pq.read_table(tmp_path / "model" / "people.parquet").to_pylist()
    assert {p["user_id"]: p["erased"] for p in people}[str(b)] is True
    for path in tmp_path.rglob("*.parquet"):
        text = str(pq.read_table(path).to_pylist())
        assert "b@example.com" not in text and FORMER_COLLEAGUE not in text, path
        # the read model keeps names for the ambassadors list, never an erased person's
        assert "'display_name': 'B'" not in text and '"display_name": "B"' not in text, path


async def test_export_from_a_sequence_or_a_time(
    plein: Plein, history: History, tmp_path: Path
) -> None:
    await setup(plein, history.envelopes, K2)
    everything = await export_to(plein, tmp_path / "all")
    later = await export_to(plein, tmp_path / "later", from_seq=11)
    assert later.messages == everything.messages - 10
    since = await export_to(plein, tmp_path / "since", since=datetime(2020, 1, 1, tzinfo=UTC))
    assert since.messages == everything.messages


async def test_replay_export_and_kpis_commands(
    plein: Plein, history: History, tmp_path: Path
) -> None:
    await setup(plein, history.envelopes, K2)
    env = {
        **os.environ,
        "PLEIN_DATABASE_URL": plein.database_url,
        "PLEIN_NATS_URL": plein.nats_url,
        "PLEIN_METRICS_K": "2",
        "PLEIN_METRICS_AMBASSADORS": "3",
    }

    def plein_cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "plein_platform.cli", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
        )

    export = tmp_path / "export"
    result = await asyncio.to_thread(plein_cli, "replay", "export", "--to", str(export))
    assert result.returncode == 0, result.stderr
    assert (export / "model" / "activity.parquet").exists()
    out = tmp_path / "report"
    result = await asyncio.to_thread(
        plein_cli,
        "kpis", "--export", str(export), "--from", "2026-01-12", "--to", "2026-01-18",
        "--baseline", "2026-01-05/2026-01-11", "--out", str(out),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "funnel.read.share" in result.stdout
    for name in ("funnel.png", "departments.png", "baseline-vs-followup.png", "report.html"):
        assert (out / name).stat().st_size > 0, name
    result = await asyncio.to_thread(
        plein_cli,
        "kpis", "--export", str(export), "--from", "2026-01-05", "--to", "2026-01-18",
        "--scope", "department:IT", "--k", "5",
    )  # fmt: skip
    assert result.returncode == 2 and "fewer than 5" in result.stderr
    # --as-of: the stream as it stood on Jan 8, noon
    result = await asyncio.to_thread(
        plein_cli,
        "kpis", "--export", str(export), "--from", "2026-01-05", "--to", "2026-01-18",
        "--as-of", "2026-01-08T12:00:00", "--out", str(out),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    import json

    as_of = datetime(2026, 1, 8, 12, tzinfo=UTC)
    expected = compute_report(
        fold(e for e in history.envelopes if e.occurred_at <= as_of).dataset(),
        Period.of_dates(jan(5).date(), jan(18).date()),
        Scope("org"),
        K2,
        {str(history.ids["G1"])},
    )
    assert json.loads((out / "kpis.json").read_text()) == expected
    # as the stream stood then: q1's escalation raised and resolved, q2's not raised yet
    assert expected["population"] == 9
    assert expected["responsiveness"]["escalations_raised"] == 1


@pytest.mark.services("identity", "posts", "files", "feed", "notify", "metrics")  # the demo's
async def test_offline_kpis_equal_live_kpis_on_the_demo_organisation(
    plein: Plein, tmp_path: Path
) -> None:
    from plein_demo import seed_demo

    assert await seed_demo(plein.base_url, say=lambda _: None)
    # the demo posts reach metrics; the organisation of today, as identity and posts made it
    viewer = await setup(plein, [], Config())
    metrics = plein.runtime.service("metrics")

    async def posts_arrived() -> None:
        async with metrics.ctx.pool.connection() as conn:
            cur = await conn.execute("SELECT count(*) FROM threads")
            row = await cur.fetchone()
            assert row is not None and row[0] > 0

    from plein_testdata.servers import eventually

    await eventually(posts_arrived, timeout_s=60)
    nc = await connect_nats(plein.nats_url, name="metrics-test-demo")
    try:
        last = (await nc.jetstream().stream_info("PLEIN")).state.last_seq
    finally:
        await nc.close()
    await caught_up(plein, last)
    await export_to(plein, tmp_path)
    today = datetime.now(UTC).date()
    yesterday = today - timedelta(days=1)  # a run across midnight stays inside the period
    params = {"from": yesterday.isoformat(), "to": today.isoformat()}
    live = await live_report(plein, viewer, params)
    assert live["population"] >= 20 and live["funnel"]["create"]["people"] > 0
    offline = offline_report(tmp_path, Period.of_dates(yesterday, today), Scope("org"), Config())
    assert offline == live
    # the README's example: the demo's Sales has k = 5 people, so its KPIs show
    sales = await live_report(plein, viewer, {**params, "scope": "department:Sales"})
    assert sales["population"] == 5 and sales["funnel"]["create"]["people"] >= 2  # noah, pieter
    period = Period.of_dates(yesterday, today)
    assert offline_report(tmp_path, period, Scope.parse("department:Sales"), Config()) == sales
    # identity seals personal fields on the stream; the export opened them
    registered = pq.read_table(tmp_path / "events" / "UserRegistered.parquet").to_pylist()
    emails = {r["email"] for r in registered}
    assert "ann@example.com" in emails
    assert not any(str(e).startswith("plein-sealed:") for e in emails)
