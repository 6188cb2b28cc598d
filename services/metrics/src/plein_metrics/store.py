"""Metrics' SQL: applying read-model changes to PostgreSQL and loading a report's rows."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from psycopg import AsyncConnection, sql
from psycopg_pool import AsyncConnectionPool

from .inputs import Dataset, Period, activity_window, from_us
from .readmodel import DATASET_TABLES, TABLES, Change

# Which rows of each table a report reads (column, operator, bound): written once, rendered
# for PostgreSQL here and for DuckDB in offline.py, so that both load the same rows.
WINDOWS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "activity": (("at", ">=", "lo"), ("at", "<", "hi")),
    "threads": (("at", "<", "hi"),),
    "answers": (("at", "<", "hi"),),
    "escalations": (("raised_at", "<", "hi"),),
    "person_history": (("at", "<", "hi"),),
    "membership_history": (("at", "<", "hi"),),
}


@cache
def _upsert_sql(table: str, update: tuple[str, ...]) -> sql.Composed:
    spec = TABLES[table]
    columns = list(spec.columns)
    conflict = (
        sql.SQL("DO UPDATE SET {}").format(
            sql.SQL(", ").join(
                sql.SQL("{} = EXCLUDED.{}").format(sql.Identifier(c), sql.Identifier(c))
                for c in update
            )
        )
        if update
        else sql.SQL("DO NOTHING")
    )
    return sql.SQL("INSERT INTO {} ({}) VALUES ({}) ON CONFLICT ({}) {}").format(
        sql.Identifier(table),
        sql.SQL(", ").join(map(sql.Identifier, columns)),
        sql.SQL(", ").join(sql.Placeholder(c) for c in columns),
        sql.SQL(", ").join(map(sql.Identifier, spec.key)),
        conflict,
    )


async def apply_changes(conn: AsyncConnection[Any], changes: list[Change]) -> None:
    """Apply in order; runs of the same statement (the posts of one PostsSeen) go as one
    executemany."""
    run: list[Change] = []
    for change in [*changes, None]:
        if run and (
            change is None or (change.table, change.update) != (run[0].table, run[0].update)
        ):
            query = _upsert_sql(run[0].table, run[0].update)
            if len(run) == 1:
                await conn.execute(query, run[0].row)
            else:
                async with conn.cursor() as cur:
                    await cur.executemany(query, [c.row for c in run])
            run = []
        if change is not None:
            run.append(change)


def select_sql(
    table: str, micros: Callable[[str], str], condition: Callable[[str, str, str], str]
) -> tuple[str, str | None]:
    """The SELECT of a table's columns with times as microseconds (`micros(column)` renders
    that in the dialect), and its window's WHERE (`condition(column, op, bound)` renders one
    comparison with a time parameter)."""
    spec = TABLES[table]
    columns = ", ".join(
        f"{micros(c)} AS {c}" if kind == "ts" else f'"{c}"' for c, kind in spec.columns.items()
    )
    window = WINDOWS.get(table)
    where = " AND ".join(condition(*w) for w in window) if window else None
    return f'SELECT {columns} FROM "{table}"', where


def _pg_micros(column: str) -> str:
    # extract(epoch) is numeric (exact) since PostgreSQL 14: no float rounding of microseconds
    return f"(extract(epoch FROM {column}) * 1000000)::bigint"


def _pg_condition(column: str, op: str, bound: str) -> str:
    return f'"{column}" {op} %({bound})s'  # on the column itself: its index serves


async def load_dataset(pool: AsyncConnectionPool, period: Period) -> Dataset:
    """The rows a report of `period` needs, times as microseconds."""
    return await load_window(pool, *activity_window(period))


async def load_window(pool: AsyncConnectionPool, lo: int, hi: int) -> Dataset:
    """The rows of activity in [lo, hi) and of everything else before `hi` (microseconds)."""
    bounds = {"lo": from_us(lo), "hi": from_us(hi)}
    tables: dict[str, list[dict[str, Any]]] = {}
    async with pool.connection() as conn:
        for table in DATASET_TABLES:
            select, where = select_sql(table, _pg_micros, _pg_condition)
            query = select + (f" WHERE {where}" if where else "")
            cur = await conn.execute(query, bounds if where else None)  # type: ignore[arg-type]
            names = [d.name for d in cur.description or ()]
            tables[table] = [dict(zip(names, row, strict=True)) for row in await cur.fetchall()]
    return Dataset(**tables)


async def dump_tables(pool: AsyncConnectionPool) -> dict[str, list[dict[str, Any]]]:
    """Every read-model table, every row, ordered by key (for comparing rebuilds)."""
    out: dict[str, list[dict[str, Any]]] = {}
    async with pool.connection() as conn:
        for table, spec in TABLES.items():
            select, _ = select_sql(table, _pg_micros, _pg_condition)
            order = ", ".join(f'"{c}"' for c in spec.key)
            cur = await conn.execute(select + f" ORDER BY {order}")  # type: ignore[arg-type]
            names = [d.name for d in cur.description or ()]
            out[table] = [dict(zip(names, row, strict=True)) for row in await cur.fetchall()]
    return out


async def roles_of(pool: AsyncConnectionPool, user_id: str) -> set[str]:
    """The network roles identity's events say the person holds now; none once they are
    deactivated or erased."""
    async with pool.connection() as conn:
        cur = await conn.execute(
            "SELECT r.role FROM roles r JOIN people p ON p.user_id = r.user_id "
            "WHERE r.user_id = %(user)s AND r.held AND NOT p.erased AND coalesce(("
            "  SELECT s.active FROM person_status s WHERE s.user_id = %(user)s"
            "  ORDER BY s.at DESC, s.event_id DESC LIMIT 1), true)",
            {"user": user_id},
        )
        return {row[0] for row in await cur.fetchall()}


async def groups_of(pool: AsyncConnectionPool, user_id: str) -> set[str]:
    """Groups the person is a member or an admin of."""
    async with pool.connection() as conn:
        cur = await conn.execute(
            "SELECT group_id FROM memberships WHERE user_id = %s AND (member OR admin)", (user_id,)
        )
        return {row[0] for row in await cur.fetchall()}


async def visible_groups(pool: AsyncConnectionPool, user_id: str) -> set[str]:
    """Public groups, and the private ones the person belongs to."""
    async with pool.connection() as conn:
        cur = await conn.execute(
            "SELECT group_id FROM groups WHERE NOT private "
            "UNION SELECT m.group_id FROM memberships m WHERE m.user_id = %s "
            "AND (m.member OR m.admin)",
            (user_id,),
        )
        return {row[0] for row in await cur.fetchall()}


async def _rows(
    conn: AsyncConnection[Any], table: str, where: str | None = None, params: Any = None
) -> list[dict[str, Any]]:
    select, _ = select_sql(table, _pg_micros, _pg_condition)
    cur = await conn.execute(select + (f" WHERE {where}" if where else ""), params)  # type: ignore[arg-type]
    names = [d.name for d in cur.description or ()]
    return [dict(zip(names, row, strict=True)) for row in await cur.fetchall()]


async def announcements_between(pool: AsyncConnectionPool, period: Period) -> list[dict[str, Any]]:
    """The announcements posted in the period, oldest first."""
    async with pool.connection() as conn:
        rows = await _rows(
            conn,
            "threads",
            "kind = 'announcement' AND at >= %(lo)s AND at < %(hi)s",
            {"lo": from_us(period.start), "hi": from_us(period.end)},
        )
    return sorted(rows, key=lambda t: (t["at"], t["post_id"]))


async def thread(pool: AsyncConnectionPool, post_id: str) -> dict[str, Any] | None:
    async with pool.connection() as conn:
        rows = await _rows(conn, "threads", "post_id = %(post)s", {"post": post_id})
    return rows[0] if rows else None


async def load_posts(pool: AsyncConnectionPool, post_ids: list[str]) -> Dataset:
    """The rows the read receipts of these threads need."""
    ids = {"ids": post_ids}
    async with pool.connection() as conn:
        threads = await _rows(conn, "threads", "post_id = ANY(%(ids)s)", ids)
        groups = list({t["group_id"] for t in threads if t["group_id"] is not None})
        return Dataset(
            people=await _rows(conn, "people"),
            person_status=await _rows(conn, "person_status"),
            person_history=[],
            groups=await _rows(conn, "groups"),
            membership_history=await _rows(
                conn, "membership_history", "group_id = ANY(%(groups)s)", {"groups": groups}
            ),
            threads=threads,
            activity=await _rows(conn, "activity", "post_id = ANY(%(ids)s)", ids),
            answers=[],
            escalations=[],
            acknowledgements=await _rows(conn, "acknowledgements", "post_id = ANY(%(ids)s)", ids),
        )


async def admin_of(pool: AsyncConnectionPool, user_ids: set[str]) -> set[str]:
    """Groups any of these ids is an admin of now."""
    async with pool.connection() as conn:
        cur = await conn.execute(
            "SELECT group_id FROM memberships WHERE user_id = ANY(%s) AND admin", (list(user_ids),)
        )
        return {row[0] for row in await cur.fetchall()}


# -- what community managers decide and log (metrics' own records, no read model) -----------


async def decide(pool: AsyncConnectionPool, decision: dict[str, Any]) -> None:
    """Record a coach suggestion as done or dismissed (a later decision replaces it)."""
    async with pool.connection() as conn:
        await conn.execute(
            "INSERT INTO coach_decisions (suggestion_id, week, kind, subject, metric, "
            "value_then, status, decided_by, decided_at) VALUES (%(suggestion_id)s, %(week)s, "
            "%(kind)s, %(subject)s, %(metric)s, %(value_then)s, %(status)s, %(decided_by)s, "
            "%(decided_at)s) ON CONFLICT (suggestion_id) DO UPDATE SET status = "
            "EXCLUDED.status, decided_by = EXCLUDED.decided_by, decided_at = EXCLUDED.decided_at",
            decision,
        )


async def decisions(pool: AsyncConnectionPool) -> list[dict[str, Any]]:
    """Every decision, newest first."""
    async with pool.connection() as conn:
        cur = await conn.execute(
            "SELECT suggestion_id, week, kind, subject, metric, value_then, status, decided_at "
            "FROM coach_decisions ORDER BY decided_at DESC, suggestion_id"
        )
        names = [d.name for d in cur.description or ()]
        return [dict(zip(names, row, strict=True)) for row in await cur.fetchall()]


async def add_intervention(pool: AsyncConnectionPool, intervention: dict[str, Any]) -> None:
    async with pool.connection() as conn:
        await conn.execute(
            "INSERT INTO interventions (intervention_id, title, kind, on_date, departments, "
            "created_by, created_at) VALUES (%(intervention_id)s, %(title)s, %(kind)s, "
            "%(on_date)s, %(departments)s, %(created_by)s, %(created_at)s)",
            intervention,
        )


async def interventions(pool: AsyncConnectionPool) -> list[dict[str, Any]]:
    """Every intervention, newest first."""
    async with pool.connection() as conn:
        cur = await conn.execute(
            "SELECT intervention_id, title, kind, on_date, departments, created_at "
            "FROM interventions ORDER BY on_date DESC, created_at DESC"
        )
        names = [d.name for d in cur.description or ()]
        return [dict(zip(names, row, strict=True)) for row in await cur.fetchall()]


async def position(pool: AsyncConnectionPool, projection: str = "metrics") -> int:
    """How far the read model has applied the stream (its rows change only when this does)."""
    async with pool.connection() as conn:
        cur = await conn.execute(
            "SELECT last_seq FROM projection_position WHERE projection = %s", (projection,)
        )
        row = await cur.fetchone()
    return int(row[0]) if row else 0
