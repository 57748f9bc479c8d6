"""Small-number suppression: the rules, and an attacker who must fail to work out a hidden cell.

Two attackers read what is published: the visible counts, the total (if shown) and the marks.
- The arithmetic attacker knows that a hidden cell is at least 1 (zeros are shown) and that the
  cells add up to the total, and takes bounds by subtraction.
- The attacker who knows the rules (docs/aggregates.md) tries every table that could lie behind
  the publication: every value of the hidden cells that the rules would have published exactly
  so. A hidden cell is disclosed when only one value is left for it.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

from hypothesis import given, settings
from hypothesis import strategies as st

from samhandling.insight.suppression import (
    Published,
    hides_figure,
    suppress_linked,
    suppress_table,
)

# --- the rules ---------------------------------------------------------------------------------


def test_counts_from_1_to_4_are_hidden_and_0_is_shown() -> None:
    published = suppress_table({"a": 0, "b": 2, "c": 3, "d": 40})
    assert published.cells == {"a": 0, "b": None, "c": None, "d": 40}
    assert published.total == 45


def test_a_table_without_small_counts_is_published_whole() -> None:
    assert suppress_table({"0": 12, "1": 0, "2": 7, "3": 5}) == Published(
        {"0": 12, "1": 0, "2": 7, "3": 5}, 24
    )


def test_one_small_cell_takes_the_next_smallest_with_it() -> None:
    published = suppress_table({"0": 30, "1": 20, "2": 9, "3": 2})
    assert published.cells == {"0": 30, "1": 20, "2": None, "3": None}
    assert published.total == 61


def test_equal_cells_are_hidden_together_so_the_choice_tells_nothing() -> None:
    published = suppress_table({"0": 30, "1": 9, "2": 9, "3": 2})
    assert published.hidden == {"1", "2", "3"}


def test_hidden_cells_that_add_up_to_less_than_5_take_another_cell_with_them() -> None:
    published = suppress_table({"0": 30, "1": 8, "2": 2, "3": 2})
    assert published.hidden == {"1", "2", "3"}
    assert published.total == 42


def test_hidden_cells_that_are_all_1_take_another_cell_with_them() -> None:
    cells = {"a": 1, "b": 1, "c": 1, "d": 1, "e": 1, "f": 20, "g": 30}
    assert suppress_table(cells).hidden == {"a", "b", "c", "d", "e", "f"}


def test_hidden_cells_at_their_largest_possible_value_take_another_cell_with_them() -> None:
    # 4 + 4 = 8 with 5 the smallest visible cell: both must be 4, so 5 is hidden too
    assert suppress_table({"a": 4, "b": 4, "c": 5, "d": 20}).hidden == {"a", "b", "c"}


def test_a_table_with_a_total_under_5_is_hidden_whole_zeros_too() -> None:
    # were the zero shown, four hidden cells under a hidden total of at most 4 would all be 1
    assert suppress_table({"0": 3, "1": 0}) == Published({"0": None, "1": None}, None)


def test_a_table_is_hidden_whole_when_no_cell_is_left_to_hide() -> None:
    published = suppress_table({**{str(n): 1 for n in range(6)}, "6": 0})
    assert published == Published(dict.fromkeys(map(str, range(7))), None)


def test_tables_about_the_same_cases_are_hidden_whole_together() -> None:
    by_level = {"0": 6, "1": 0, "2": 0, "3": 0}
    by_sectors = {f"combination {n}": 1 for n in range(6)}
    levels, sectors = suppress_linked([by_level, by_sectors])
    assert levels == Published(dict.fromkeys(by_level), None)  # else 6 = the hidden total
    assert sectors.total is None


def test_a_share_or_median_from_fewer_than_5_cases_is_hidden() -> None:
    assert [hides_figure(n) for n in (0, 1, 4, 5)] == [False, True, True, False]


# --- the attackers -----------------------------------------------------------------------------


def arithmetic_ranges(published: Published) -> dict[str, tuple[float, float]]:
    """Each hidden cell's bounds from the published table alone."""
    hidden = sorted(published.hidden)
    if published.total is None:  # the table is hidden whole: a hidden cell may be 0
        return {category: (0, float("inf")) for category in hidden}
    rest = published.total - sum(count or 0 for count in published.cells.values())
    return {category: (1, rest - (len(hidden) - 1)) for category in hidden}


def candidates(published: Published, cap: int) -> Iterator[dict[str, int]]:
    """Every table that agrees with the visible cells and the total: hidden cells from 1 (or
    from 0 in a table hidden whole) to cap."""
    hidden = sorted(published.hidden)
    visible = {c: n for c, n in published.cells.items() if n is not None}
    if published.total is None:
        for values in itertools.product(range(cap + 1), repeat=len(hidden)):
            yield {**visible, **dict(zip(hidden, values, strict=True))}
        return
    rest = published.total - sum(visible.values())

    def split(remaining: int, parts: int) -> Iterator[tuple[int, ...]]:
        if parts == 1:
            if remaining >= 1:
                yield (remaining,)
            return
        for first in range(1, remaining - parts + 2):
            for tail in split(remaining - first, parts - 1):
                yield (first, *tail)

    for values in split(rest, len(hidden)):
        yield {**visible, **dict(zip(hidden, values, strict=True))}


def disclosed_by_rules(cells: dict[str, int], published: Published) -> set[str]:
    """The hidden cells that only one table behind the publication leaves a value for."""
    if not published.hidden:
        return set()
    order = list(cells)
    seen: dict[str, set[int]] = {category: set() for category in published.hidden}
    visible = [n for n in published.cells.values() if n is not None]
    cap = max([4, *visible]) + 6 if published.total is not None else 6
    for candidate in candidates(published, cap):
        table = {category: candidate[category] for category in order}
        if suppress_table(table) != published:
            continue
        for category in seen:
            seen[category].add(table[category])
        if all(len(values) >= 2 for values in seen.values()):
            return set()
    return {category for category, values in seen.items() if len(values) < 2}


small_counts = st.one_of(st.integers(0, 6), st.integers(0, 14))
tables = st.lists(small_counts, min_size=2, max_size=5).map(
    lambda counts: {f"c{index}": count for index, count in enumerate(counts)}
)


@settings(max_examples=400, deadline=None)
@given(tables)
def test_subtraction_never_reveals_a_hidden_cell(cells: dict[str, int]) -> None:
    published = suppress_table(cells)
    for category, (low, high) in arithmetic_ranges(published).items():
        assert low < high, f"{category} is {cells[category]} in {cells} → {published}"
    if published.hidden and published.total is not None:
        hidden_sum = sum(cells[category] for category in published.hidden)
        assert hidden_sum >= 5, "the hidden cells together are a small group"
    for count in published.cells.values():
        assert count is None or count == 0 or count >= 5


@settings(max_examples=300, deadline=None)
@given(tables)
def test_knowing_the_rules_never_reveals_a_hidden_cell(cells: dict[str, int]) -> None:
    published = suppress_table(cells)
    assert not disclosed_by_rules(cells, published), f"{cells} → {published}"


cases = st.lists(
    st.tuples(st.integers(0, 3), st.sampled_from(["school", "school+ppt", "nav", "ppt"])),
    max_size=40,
)


@settings(max_examples=300, deadline=None)
@given(cases)
def test_two_tables_of_the_same_cases_never_reveal_a_hidden_cell_together(
    population: list[tuple[int, str]],
) -> None:
    by_level = {str(level): sum(1 for lv, _c in population if lv == level) for level in range(4)}
    combinations = sorted({combination for _lv, combination in population})
    by_sectors = {c: sum(1 for _lv, cc in population if cc == c) for c in combinations}
    published = suppress_linked([by_level, by_sectors])
    total = published[0].total
    assert all(table.total == total for table in published)
    if total is None:  # no table may give the hidden total away as the sum of its cells
        assert all(set(table.cells) == table.hidden for table in published)
        return
    for table in published:
        for category, (low, high) in arithmetic_ranges(table).items():
            assert low < high, f"{category} in {population} → {published}"
