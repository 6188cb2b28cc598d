"""The analysts' commands, plugged into `plein`: `plein replay export` and `plein kpis`."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from plein_platform.errors import DomainError
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from .compare import compare
from .inputs import Period, Scope
from .settings import MetricsSettings

if TYPE_CHECKING:
    from .export import ExportResult

console = Console(stderr=True)


async def run_export(
    nats_url: str, to: Path, *, from_seq: int | None, since: datetime | None, progress: bool
) -> ExportResult:
    from plein_platform.runtime import connect_nats

    from .export import export_stream

    nc = await connect_nats(nats_url, name="plein-replay-export")
    try:
        if not progress:
            return await export_stream(nc.jetstream(), to, from_seq=from_seq, since=since)
        with Progress(
            TextColumn("export PLEIN"),
            BarColumn(),
            MofNCompleteColumn(),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
            console=console,
        ) as bar:
            task = bar.add_task("export", total=None)
            return await export_stream(
                nc.jetstream(),
                to,
                from_seq=from_seq,
                since=since,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
            )
    finally:
        await nc.close()


def export(nats_url: str, to: Path, from_seq: int | None, since: datetime | None) -> None:
    """`plein replay export`: the stream as Parquet under `to`."""
    result = asyncio.run(run_export(nats_url, to, from_seq=from_seq, since=since, progress=True))
    rate = result.messages / result.read_seconds if result.read_seconds else 0
    console.print(
        f"[green]exported {result.messages} messages to {to} "
        f"({rate:,.0f} events/s read, {result.total_seconds:.1f} s in all; "
        f"{result.skipped} undecodable skipped)[/]"
    )


def kpis(
    from_: Annotated[
        datetime, typer.Option("--from", formats=["%Y-%m-%d"], help="first day (UTC)")
    ],
    to: Annotated[
        datetime, typer.Option("--to", formats=["%Y-%m-%d"], help="last day (UTC), included")
    ],
    export_dir: Annotated[
        Path, typer.Option("--export", help="directory written by `plein replay export`")
    ] = Path("plein-export"),
    scope: Annotated[str, typer.Option(help="org, department:<name> or group:<id>")] = "org",
    as_of: Annotated[
        datetime | None,
        typer.Option(help="compute from the stream as it stood then (ISO time, UTC)"),
    ] = None,
    baseline: Annotated[
        str | None, typer.Option(help="a baseline period FROM/TO to compare against")
    ] = None,
    out: Annotated[Path, typer.Option(help="where charts and report.html go")] = Path("kpi-report"),
    k: Annotated[
        int | None, typer.Option(help="smallest cell shown (default from settings)")
    ] = None,
) -> None:
    """Compute the KPIs offline from an export (the same definitions as the live service)."""
    from .offline import offline_report
    from .report import comparison_chart, funnel_chart, html_report, kpi_table, matrix_chart

    settings = MetricsSettings()
    if k is not None:
        settings.k = k
    config = settings.config()
    when = None if as_of is None else as_of if as_of.tzinfo else as_of.replace(tzinfo=UTC)
    try:
        period = Period.of_dates(_day(from_), _day(to))
        the_scope = Scope.parse(scope)
        report = offline_report(export_dir, period, the_scope, config, as_of=when)
        base = None
        if baseline:
            base = offline_report(export_dir, Period.parse(baseline), the_scope, config, as_of=when)
    except DomainError as error:  # too few people, an unknown group, a bad period
        console.print(f"[red]{error.detail}[/]")
        raise typer.Exit(2) from None
    Console().print(kpi_table(report, base))
    out.mkdir(parents=True, exist_ok=True)
    charts = [
        funnel_chart(report, out / "funnel.png"),
        matrix_chart(report, out / "departments.png"),
    ]
    if base is not None:
        charts.append(comparison_chart(base, report, out / "baseline-vs-followup.png"))
        (out / "compare.json").write_text(json.dumps(compare(base, report), indent=2))
    (out / "kpis.json").write_text(json.dumps(report, indent=2))
    page = html_report(report, charts, out / "report.html", base)
    console.print(f"[green]charts and {page} written[/]")


def _day(value: datetime) -> date:
    return value.date()
