"""Small-number suppression of the coordination aggregates (docs/aggregates.md).

A count of 1–4 is hidden (primary suppression); 0 is shown. A table whose hidden cells could be
worked out from its total and its visible cells gets more cells hidden (secondary suppression),
and, where that cannot help, its total too. A share or a median computed from 1–4 cases is
hidden. Every hidden figure is published with the same mark, whether it was small or hidden to
protect a small one: two marks would tell an attacker which hidden cell is under 5 and so give
bounds that pin it (a "<5" beside a hidden cell, with their sum 6, is 1).

The rules, for a table with cells c₁…cₙ and total T:
1. A cell of 1–4 is hidden.
2. While the hidden cells are not safe, the smallest visible non-zero cells are hidden as well
   (all cells of that size at once, so that which of two equal cells was chosen tells nothing).
   Hidden cells are safe when there are at least two, their sum R is at least 5, and neither
   "all are 1" (R = k) nor "all are at their largest possible value" (R = k·U) is true, where U
   is what an attacker knows bounds every hidden cell: 4, or just under the smallest visible
   non-zero cell when that is larger (a larger cell would have been hidden before it).
3. A table whose total is 1–4, or whose cells are still not safe when no visible cell is left
   to hide, is hidden whole: every cell, zeros too, and the total. (Were the zeros shown, the
   rules themselves would give the cells away: four non-zero cells under a hidden total of at
   most 4 are all 1.)
4. Tables about the same cases share their total: if one is hidden whole, all are.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

THRESHOLD = 5  # counts from 1 to THRESHOLD - 1 are hidden
MARK = ":"  # how every hidden figure is published (the mark of SSB and JSON-stat)
MARK_LABEL = _(
    "Hidden: fewer than 5, or hidden so that a number under 5 cannot be worked out from the total"
)


def is_small(count: int) -> bool:
    return 0 < count < THRESHOLD


def hides_figure(cases: int) -> bool:
    """A share or a median computed from 1–4 cases is hidden (from 0 cases there is none)."""
    return is_small(cases)


@dataclass(frozen=True)
class Published:
    """A table as it may be published: None for a hidden cell or total."""

    cells: dict[str, int | None]
    total: int | None

    @property
    def hidden(self) -> set[str]:
        return {category for category, count in self.cells.items() if count is None}


def _upper_bound(cells: Mapping[str, int], hidden: set[str]) -> float:
    visible = [count for category, count in cells.items() if category not in hidden and count]
    if not visible:
        return float("inf")
    return max(THRESHOLD - 1, min(visible) - 1)


def _safe(cells: Mapping[str, int], hidden: set[str]) -> bool:
    k = len(hidden)
    if k == 0:
        return True
    hidden_sum = sum(cells[category] for category in hidden)
    return k >= 2 and hidden_sum >= THRESHOLD and k < hidden_sum < k * _upper_bound(cells, hidden)


def _hide_smallest(cells: Mapping[str, int], hidden: set[str]) -> bool:
    """Hides every visible non-zero cell of the smallest size; False if there is none."""
    visible = [count for category, count in cells.items() if category not in hidden and count]
    if not visible:
        return False
    smallest = min(visible)
    hidden.update(c for c, count in cells.items() if c not in hidden and count == smallest)
    return True


def _hidden_cells(cells: Mapping[str, int]) -> set[str] | None:
    """The categories to hide, or None when the table is hidden whole."""
    if any(count < 0 for count in cells.values()):
        raise ValueError("counts are never negative")
    if is_small(sum(cells.values())):
        return None
    hidden = {category for category, count in cells.items() if is_small(count)}
    while not _safe(cells, hidden):
        if not _hide_smallest(cells, hidden):
            return None
    return hidden


def _published(cells: Mapping[str, int], hidden: set[str] | None) -> Published:
    if hidden is None:
        return Published(cells=dict.fromkeys(cells), total=None)
    return Published(
        cells={c: None if c in hidden else count for c, count in cells.items()},
        total=sum(cells.values()),
    )


def suppress_table(cells: Mapping[str, int]) -> Published:
    """One table (categories in their order of publication) with its total."""
    return _published(cells, _hidden_cells(cells))


def suppress_linked(tables: Sequence[Mapping[str, int]]) -> list[Published]:
    """Tables that classify the same cases in different ways, and so share one total."""
    if len({sum(cells.values()) for cells in tables}) > 1:
        raise ValueError("linked tables must have the same total")
    hidden = [_hidden_cells(cells) for cells in tables]
    if any(categories is None for categories in hidden):
        return [_published(cells, None) for cells in tables]
    return [_published(cells, categories) for cells, categories in zip(tables, hidden,
                                                                        strict=True)]  # fmt: skip
