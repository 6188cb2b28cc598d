"""What `plein kpis` shows: a rich table, PNG charts (matplotlib) and a small HTML report."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only, never a window

import matplotlib.pyplot as plt  # noqa: E402
from rich.table import Table  # noqa: E402

from .compare import HEADLINES, headline  # noqa: E402


def _fmt(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def kpi_table(report: dict[str, Any], baseline: dict[str, Any] | None = None) -> Table:
    period = report["period"]
    table = Table(title=f"Plein KPIs · {report['scope']} · {period['from']} .. {period['to']}")
    table.add_column("KPI")
    if baseline is not None:
        b = baseline["period"]
        table.add_column(f"baseline {b['from']}..{b['to']}", justify="right")
    table.add_column("value", justify="right")
    if baseline is not None:
        table.add_column("delta", justify="right")
    for path in HEADLINES:
        value = headline(report, path)
        if baseline is None:
            table.add_row(".".join(path), _fmt(value))
        else:
            before = headline(baseline, path)
            delta = None if value is None or before is None else value - before
            table.add_row(".".join(path), _fmt(before), _fmt(value), _fmt(delta))
    return table


def funnel_chart(report: dict[str, Any], path: Path) -> Path:
    """Read / respond / create shares as bars, each target as a line."""
    kinds = ["read", "respond", "create"]
    shares = [(report["funnel"][k]["share"] or 0) * 100 for k in kinds]
    targets = [report["funnel"][k]["target"] * 100 for k in kinds]
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.bar(kinds, shares, color="#3b7dd8", label="share of people")
    for i, target in enumerate(targets):
        ax.hlines(
            target,
            i - 0.4,
            i + 0.4,
            colors="#d84b3b",
            linewidth=2,
            label="target" if not i else "_nolegend_",
        )
    ax.set_ylabel("% of active people")
    ax.set_ylim(0, 100)
    ax.set_title(f"Participation funnel, {report['scope']}")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def comparison_chart(baseline: dict[str, Any], followup: dict[str, Any], path: Path) -> Path:
    kinds = ["read", "respond", "create"]
    before = [(baseline["funnel"][k]["share"] or 0) * 100 for k in kinds]
    after = [(followup["funnel"][k]["share"] or 0) * 100 for k in kinds]
    x = range(len(kinds))
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.bar([i - 0.2 for i in x], before, width=0.4, label="baseline", color="#9aa5b1")
    ax.bar([i + 0.2 for i in x], after, width=0.4, label="follow-up", color="#3b7dd8")
    ax.set_xticks(list(x), kinds)
    ax.set_ylabel("% of active people")
    ax.set_title("Baseline vs follow-up")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def matrix_chart(report: dict[str, Any], path: Path) -> Path:
    """The department x department matrix as a heatmap; suppressed cells stay blank."""
    cells = report["cross_department"]["matrix"]
    departments = sorted({c["from"] for c in cells} | {c["to"] for c in cells}) or ["–"]
    index = {d: i for i, d in enumerate(departments)}
    grid = [[float("nan")] * len(departments) for _ in departments]
    for c in cells:
        if c["interactions"] is not None:
            grid[index[c["from"]]][index[c["to"]]] = c["interactions"]
    fig, ax = plt.subplots(figsize=(6, 5))
    image = ax.imshow(grid, cmap="Blues")
    ax.set_xticks(range(len(departments)), departments, rotation=45, ha="right")
    ax.set_yticks(range(len(departments)), departments)
    ax.set_xlabel("to (recipient's department)")
    ax.set_ylabel("from (responder's department)")
    ax.set_title(f"Responses between departments (k = {report['k']})")
    fig.colorbar(image, ax=ax)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def html_report(
    report: dict[str, Any],
    charts: list[Path],
    path: Path,
    baseline: dict[str, Any] | None = None,
) -> Path:
    rows = []
    for p in HEADLINES:
        value = headline(report, p)
        cells = [html.escape(".".join(p))]
        if baseline is not None:
            cells.append(_fmt(headline(baseline, p)))
        cells.append(_fmt(value))
        rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    head = "<th>KPI</th>" + ("<th>baseline</th>" if baseline else "") + "<th>value</th>"
    period = report["period"]
    ambassadors = "".join(
        f"<li>{html.escape(a['name'] or a['user_id'])} ({html.escape(a['department'] or '–')}): "
        f"{a['score']}</li>"
        for a in report["ambassadors"]
    )
    images = "".join(
        f'<img src="{html.escape(c.name)}" alt="{html.escape(c.stem)}">' for c in charts
    )
    path.write_text(
        f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Plein KPIs</title>
<style>body{{font-family:sans-serif;margin:2em}}td,th{{padding:.2em .8em;text-align:right}}
td:first-child{{text-align:left}}img{{max-width:45%;margin:.5em}}</style></head><body>
<h1>Plein KPIs: {html.escape(report["scope"])}, {period["from"]} .. {period["to"]}</h1>
<p>Population {report["population"]}; no breakdown cell of fewer than {report["k"]} people.
Definitions: docs/metrics.md.</p>
<table><tr>{head}</tr>{"".join(rows)}</table>
<h2>Ambassadors</h2><ol>{ambassadors}</ol>
<h2>Charts</h2>{images}
</body></html>
"""
    )
    return path
