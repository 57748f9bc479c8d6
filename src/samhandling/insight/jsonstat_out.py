"""Our coordination aggregates as a JSON-stat 2.0 dataset (https://json-stat.org/format/), so
that the tools that read official statistics (PxWeb clients, json-stat.js, pyjstat) read ours.

Three dimensions: region (the municipality, role geo), quarter (role time) and measure (role
metric). A measure category is a table cell, "cases_by_level.3" or "cases_by_sectors.total", or
a figure, "referrals_answered" (the share) with "referrals_answered.count" (how many it is
computed from). A hidden figure has the value null and the status ":" (confidential, as SSB
and Eurostat mark it); a municipality and quarter without figures has ".." (not available); a
share from no cases has "." (not applicable). A team combination that a municipality did not
have is 0 there, unless its table is hidden whole.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from samhandling.coordination.models import Level
from samhandling.organisations.models import Sector

from . import aggregates, suppression
from .models import Aggregate

TABLES = (Aggregate.Measure.CASES_BY_LEVEL, Aggregate.Measure.CASES_BY_SECTORS)
COUNT = "count"
HIDDEN, NOT_AVAILABLE, NOT_APPLICABLE = suppression.MARK, "..", "."


def code(measure: str, category: str = "") -> str:
    return f"{measure}.{category}" if category else measure


def _category_label(measure: str, category: str) -> str:
    if category == aggregates.TOTAL:
        return _("total")
    if measure == Aggregate.Measure.CASES_BY_LEVEL:
        return str(Level(int(category)).label)
    if category == aggregates.NO_TEAM:
        return _("no service in the team")
    return " + ".join(str(Sector(sector).label) for sector in category.split("+"))


def _count_label(measure: str) -> str:
    labels: dict[str, str] = {
        Aggregate.Measure.SHARE_WITH_PLAN: _("cases at level 3 at the end of the quarter"),
        Aggregate.Measure.DAYS_TO_MEASURE: _("cases whose first measure started in the quarter"),
        Aggregate.Measure.REFERRALS_ANSWERED: _(
            "referrals sent in the quarter and answered or overdue"
        ),
        Aggregate.Measure.TRANSITIONS_PLANNED: _("transitions that happened in the quarter"),
    }
    return labels.get(measure, _("number"))


def _unit(measure: str, is_count: bool) -> dict[str, Any]:
    if is_count or measure in TABLES:
        return {"decimals": 0, "label": _("number")}
    if measure == Aggregate.Measure.DAYS_TO_MEASURE:
        return {"decimals": 1, "label": _("days")}
    return {"decimals": 1, "label": _("per cent"), "symbol": "%", "position": "end"}


def _measure_codes(rows: list[Aggregate]) -> dict[str, str]:
    """Every measure category in the rows, in a stable order, with its label."""
    found: dict[str, set[str]] = {}
    for row in rows:
        found.setdefault(row.measure, set()).add(row.category)
    labels: dict[str, str] = {}
    for measure, measure_label in Aggregate.Measure.choices:
        if measure not in found:
            continue
        if measure in TABLES:
            cells = sorted(found[measure] - {aggregates.TOTAL}, key=_cell_order)
            for category in [*cells, aggregates.TOTAL]:
                labels[code(measure, category)] = (
                    f"{measure_label}: {_category_label(measure, category)}"
                )
        else:
            labels[code(measure)] = str(measure_label)
            labels[code(measure, COUNT)] = f"{measure_label}: {_count_label(measure)}"
    return labels


def _cell_order(category: str) -> tuple[int, str]:
    return (int(category), "") if category.isdigit() else (0, category)


def _number(value: Decimal | int | None) -> float | int | None:
    if value is None or isinstance(value, int):
        return value
    return int(value) if value == value.to_integral_value() else float(value)


def dataset(rows: Iterable[Aggregate]) -> dict[str, Any]:
    """The rows (with their municipality) as one JSON-stat 2.0 dataset."""
    rows = sorted(rows, key=lambda row: (row.municipality.code, row.quarter))
    regions = {row.municipality.code: row.municipality.name for row in rows}
    quarters = sorted({row.quarter for row in rows})
    measures = _measure_codes(rows)
    cells: dict[tuple[str, str, str], tuple[Any, str]] = {}
    hidden_whole: set[tuple[str, str]] = set()
    for row in rows:
        where = (row.municipality.code, row.quarter)
        if row.measure in TABLES:
            cells[(*where, code(row.measure, row.category))] = (
                (None, HIDDEN) if row.suppressed else (row.count, "")
            )
            sectors_total = code(Aggregate.Measure.CASES_BY_SECTORS, aggregates.TOTAL)
            if code(row.measure, row.category) == sectors_total and row.suppressed:
                hidden_whole.add(where)
        elif row.suppressed:
            cells[(*where, code(row.measure))] = (None, HIDDEN)
            cells[(*where, code(row.measure, COUNT))] = (None, HIDDEN)
        else:
            share = (_number(row.value), "") if row.value is not None else (None, NOT_APPLICABLE)
            cells[(*where, code(row.measure))] = share
            cells[(*where, code(row.measure, COUNT))] = (row.count, "")
    present = {(region, quarter) for region, quarter, _code in cells}
    values: list[Any] = []
    status: dict[str, str] = {}
    for region in regions:
        for quarter in quarters:
            for measure in measures:
                value, symbol = cells.get((region, quarter, measure), (None, None))
                if symbol is None:
                    if (region, quarter) not in present:
                        symbol = NOT_AVAILABLE
                    elif measure.startswith(Aggregate.Measure.CASES_BY_SECTORS + "."):
                        hidden = (region, quarter) in hidden_whole
                        value, symbol = (None, HIDDEN) if hidden else (0, "")
                    else:
                        symbol = NOT_AVAILABLE
                if symbol:
                    status[str(len(values))] = symbol
                values.append(value)
    updated = max((row.computed_at for row in rows if row.computed_at), default=None)
    document: dict[str, Any] = {
        "version": "2.0",
        "class": "dataset",
        "label": _("Samhandling 0–24: anonymous aggregates from the coordination work"),
        "source": _("Samhandling 0–24 (our own figures, not official statistics)"),
        "note": [
            _(
                "Counts from 1 to 4 are hidden, and so are other figures where a hidden count "
                "could be worked out from the total; a share or median from 1 to 4 cases is "
                "hidden. Hidden figures have the status ':'."
            )
        ],
        "id": ["region", "quarter", "measure"],
        "size": [len(regions), len(quarters), len(measures)],
        "role": {"geo": ["region"], "time": ["quarter"], "metric": ["measure"]},
        "dimension": {
            "region": {
                "label": _("municipality"),
                "category": {"index": list(regions), "label": regions},
            },
            "quarter": {
                "label": _("quarter"),
                "category": {"index": quarters, "label": {q: q for q in quarters}},
            },
            "measure": {
                "label": _("measure"),
                "category": {
                    "index": list(measures),
                    "label": measures,
                    "unit": {
                        measure_code: _unit(
                            measure_code.split(".")[0], measure_code.endswith("." + COUNT)
                        )
                        for measure_code in measures
                    },  # fmt: skip
                },
            },
        },
        "value": values,
        "status": status,
    }
    if updated is not None:
        document["updated"] = updated.isoformat(timespec="seconds")
    return document


def dumps(rows: Iterable[Aggregate]) -> bytes:
    return json.dumps(dataset(rows), ensure_ascii=False, indent=1).encode("utf-8")
