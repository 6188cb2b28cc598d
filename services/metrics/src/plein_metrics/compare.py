"""Baseline vs follow-up: two reports side by side, with deltas of the headlines and of each
department's and group's funnel."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

HEADLINES: tuple[tuple[str, ...], ...] = (
    ("population",),
    ("funnel", "read", "share"),
    ("funnel", "respond", "share"),
    ("funnel", "create", "share"),
    ("inequality", "top1_share"),
    ("inequality", "top10_share"),
    ("inequality", "gini"),
    ("responsiveness", "answered_share"),
    ("responsiveness", "replied_within_24h_share"),
    ("responsiveness", "median_hours_to_first_reply"),
    ("responsiveness", "response_rate"),
    ("responsiveness", "open_unanswered"),
    ("leadership", "visible_share"),
    ("leadership", "reply_rate"),
    ("cross_department", "share"),
    ("activity", "dau"),
    ("activity", "wau"),
    ("activity", "mau"),
    ("activity", "engaged"),
    ("activity", "health"),
)


def headline(report: dict[str, Any], path: Iterable[str]) -> Any:
    value: Any = report
    for part in path:
        value = value[part]
    return value


def _delta(before: Any, after: Any) -> Any:
    return None if before is None or after is None else after - before


def _breakdown_deltas(
    baseline: list[dict[str, Any]], followup: list[dict[str, Any]], key: str
) -> list[dict[str, Any]]:
    """The funnel shares of each department (or group) in both periods, with their deltas;
    a row suppressed in either period shows no numbers."""
    before = {row[key]: row for row in baseline}
    after = {row[key]: row for row in followup}
    out = []
    for name in sorted(before.keys() | after.keys(), key=lambda n: n or ""):
        b, a = before.get(name), after.get(name)
        row: dict[str, Any] = {key: name}
        if key == "group_id":
            row["name"] = (a or b or {}).get("name")
        hidden = b is None or a is None or b["suppressed"] or a["suppressed"]
        row["suppressed"] = hidden
        for kind in ("population", "read", "respond", "create"):
            pair = (None, None) if hidden else (b[kind], a[kind])  # type: ignore[index]
            row[kind] = {"baseline": pair[0], "followup": pair[1], "delta": _delta(*pair)}
        out.append(row)
    return out


def compare(baseline: dict[str, Any], followup: dict[str, Any]) -> dict[str, Any]:
    """Both reports side by side, with the follow-up minus the baseline for each headline,
    each department and each group."""
    deltas = []
    for path in HEADLINES:
        before, after = headline(baseline, path), headline(followup, path)
        deltas.append(
            {
                "kpi": ".".join(path),
                "baseline": before,
                "followup": after,
                "delta": _delta(before, after),
            }
        )
    return {
        "baseline": baseline,
        "followup": followup,
        "deltas": deltas,
        "departments": _breakdown_deltas(
            baseline["departments"], followup["departments"], "department"
        ),
        "groups": _breakdown_deltas(baseline["groups"], followup["groups"], "group_id"),
    }
