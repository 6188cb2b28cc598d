"""KPIs computed offline from the Parquet export with DuckDB (`plein kpis`).

The rows are selected with the same table windows as the live service (store.WINDOWS) and
handed to the same `compute_report`, so offline and live numbers agree to the event.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
from plein_platform.errors import NotFound

from .domain import compute_report
from .inputs import Config, Dataset, Period, Scope, activity_window, to_us
from .readmodel import DATASET_TABLES, TABLES, Change, MemoryModel
from .store import WINDOWS, select_sql


def _micros(column: str) -> str:
    return f'epoch_us("{column}")'


def _condition(column: str, op: str, bound: str) -> str:
    return f'epoch_us("{column}") {op} ${bound}'


def load_dataset(directory: Path, period: Period) -> Dataset:
    """The rows a report of `period` needs, from DIR/model/*.parquet."""
    lo, hi = activity_window(period)
    tables: dict[str, list[dict[str, Any]]] = {}
    with duckdb.connect() as db:
        for table in DATASET_TABLES:
            path = str(directory / "model" / f"{table}.parquet").replace("'", "''")
            db.execute(
                f"CREATE OR REPLACE VIEW \"{table}\" AS SELECT * FROM read_parquet('{path}')"
            )
            select, where = select_sql(table, _micros, _condition)
            query = select + (f" WHERE {where}" if where else "")
            used = {b for _, _, b in _windows(table)}
            result = db.execute(query, {k: v for k, v in {"lo": lo, "hi": hi}.items() if k in used})
            names = [d[0] for d in result.description]
            tables[table] = [dict(zip(names, row, strict=True)) for row in result.fetchall()]
    return Dataset(**tables)


def _windows(table: str) -> tuple[tuple[str, str, str], ...]:
    return WINDOWS.get(table, ())


def load_dataset_as_of(directory: Path, as_of: datetime) -> Dataset:
    """The read model as the stream stood at `as_of`: DIR/changes.parquet folded up to it."""
    model = MemoryModel()
    path = str(directory / "changes.parquet").replace("'", "''")
    with duckdb.connect() as db:
        rows = db.execute(
            f'SELECT "table", "update", "row" FROM read_parquet(\'{path}\') '
            "WHERE epoch_us(occurred_at) <= $as_of ORDER BY seq",
            {"as_of": to_us(as_of)},
        ).fetchall()
    for table, update, row_json in rows:
        row = json.loads(row_json)
        for column, kind in TABLES[table].columns.items():
            if kind == "ts" and row[column] is not None:
                row[column] = datetime.fromisoformat(row[column])
        model.apply(Change(table, row, tuple(update)))
    return model.dataset()


def public_groups(directory: Path) -> set[str]:
    """What an analyst may see of groups: the public ones (they are no member of any)."""
    path = str(directory / "model" / "groups.parquet").replace("'", "''")
    with duckdb.connect() as db:
        rows = db.execute(f"SELECT group_id FROM read_parquet('{path}') WHERE NOT private")
        return {r[0] for r in rows.fetchall()}


def offline_report(
    directory: Path,
    period: Period,
    scope: Scope,
    config: Config,
    *,
    as_of: datetime | None = None,
    visible_groups: set[str] | None = None,
) -> dict[str, Any]:
    """The KPIs of a period and scope from an export (as of a moment, when given)."""
    data = (
        load_dataset(directory, period) if as_of is None else load_dataset_as_of(directory, as_of)
    )
    visible = public_groups(directory) if visible_groups is None else visible_groups
    if scope.kind == "group" and scope.value not in visible:
        raise NotFound(f"There is no public group {scope.value} in this export.")
    return compute_report(data, period, scope, config, visible)
