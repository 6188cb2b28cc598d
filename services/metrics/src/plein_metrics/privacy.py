"""k-anonymity for breakdowns: primary and complementary suppression.

A cell describing fewer than k people is hidden (primary). That alone is not enough: a hidden
cell equals a shown total minus the shown cells next to it. So in every set of cells whose sum
can be read from the report (a row, a column, a diagonal, the whole table), the hidden cells are
none or at least two, together describe at least k people on each side, and sum to more than
their number (so that no hidden cell, each at least 1, is pinned down by the bounds). The
cheapest shown cells are hidden in addition until that holds (complementary suppression).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Cell:
    value: int  # the count the cell would show (what hiding it costs)
    people: tuple[frozenset[str], ...]  # the people it describes, per side (responders, ...)


def _protected(cells: Sequence[Cell], hidden: list[int], k: int) -> bool:
    if not hidden:
        return True
    if len(hidden) < 2 or sum(cells[i].value for i in hidden) <= len(hidden):
        return False
    sides = len(cells[hidden[0]].people)
    return all(
        len(frozenset().union(*(cells[i].people[s] for i in hidden))) >= k for s in range(sides)
    )


def suppress(cells: Sequence[Cell], sums: Sequence[Sequence[int]], k: int) -> set[int]:
    """The indices of the cells to hide; `sums` lists the sets of cells whose total a reader
    can work out."""
    hidden = {i for i, c in enumerate(cells) if min(len(p) for p in c.people) < k}
    changed = True
    while changed:
        changed = False
        for group in sums:
            inside = [i for i in group if i in hidden]
            while not _protected(cells, inside, k):
                shown = [i for i in group if i not in hidden]
                if not shown:
                    break
                cheapest = min(shown, key=lambda i: (cells[i].value, i))
                hidden.add(cheapest)
                inside.append(cheapest)
                changed = True
    return hidden
