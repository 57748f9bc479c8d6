"""Vega-Lite specifications for the challenge picture, built with altair.

A page embeds each spec as JSON (json_script) and static/js/charts.js draws it with vega-embed
and vega-interpreter (no eval, so the Content-Security-Policy needs no 'unsafe-eval'). A chart
is never the only way to a value: every page that shows one also has its table and a CSV.

Lines for the region, its county and the country (or up to five compared regions) differ in
colour (the Okabe–Ito palette, safe for colour-blind readers, each at least 3:1 against white),
in dash pattern and in point shape, so that they are told apart without colour too. A year
without a value breaks the line: nothing is interpolated.

altair is slow to build a chart (tens of milliseconds), so the shape of a chart is built once
per number of lines and language, and each chart is a copy with its own names and values.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from typing import Any

import altair as alt
from django.utils import translation
from django.utils.translation import gettext as _

from .models import Unit
from .profiles import Point, missing_years

PALETTE = ["#0072B2", "#D55E00", "#000000", "#009E73", "#CC79A7"]
DASHES = [[1, 0], [6, 3], [2, 2], [8, 3, 2, 3], [4, 4]]
SHAPES = ["circle", "square", "triangle-up", "diamond", "cross"]
HEIGHT = 220


def line_chart(
    *, names: Sequence[str], series: Sequence[Sequence[Point]], unit: str, description: str
) -> dict[str, Any]:
    """One line per series (at most five), named by `names`, over the years they cover."""
    names = distinct(names)
    spec = json.loads(_shape(len(names), translation.get_language() or ""))
    for layer in spec["layer"]:
        for channel in ("color", "strokeDash", "shape"):
            if channel in layer["encoding"]:
                layer["encoding"][channel]["scale"]["domain"] = list(names)
        layer["encoding"]["y"]["title"] = unit_title(unit)
    spec["description"] = description
    spec["data"] = {"values": chart_rows(names, series)}
    return spec


def chart_rows(names: Sequence[str], series: Sequence[Sequence[Point]]) -> list[dict[str, Any]]:
    """The values to draw; a year missing inside a series gets a row without a value, so the
    line breaks there (a suppressed or missing value does the same)."""
    rows: list[dict[str, Any]] = []
    for name, points in zip(names, series, strict=True):
        for point in points:
            rows.append(
                {
                    "series": name,
                    "year": point.year,
                    "period": point.period,
                    "value": float(point.value)
                    if point.has_value and point.value is not None
                    else None,
                    "shown": point.text,
                }
            )
        for year in missing_years(points):
            rows.append(
                {
                    "series": name,
                    "year": year,
                    "period": str(year),
                    "value": None,
                    "shown": _("No value"),
                }
            )
    rows.sort(key=lambda row: (row["series"], row["year"], row["period"]))
    return rows


def distinct(names: Sequence[str]) -> list[str]:
    """Names as the legend shows them: a repeated name gets its position (Oslo the
    municipality and Oslo the county are both "Oslo")."""
    seen: dict[str, int] = {}
    result = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        result.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return result


def unit_title(unit: str) -> str:
    try:
        return str(Unit(unit).label)
    except ValueError:
        return unit


@functools.lru_cache(maxsize=32)
def _shape(lines: int, language: str) -> str:
    """The chart without names or values, for `lines` lines, with labels in `language`, as JSON
    (each chart parses its own copy: faster than a deep copy)."""
    with translation.override(language or None):
        return json.dumps(_build(lines))


def _build(lines: int) -> dict[str, Any]:
    lines = max(1, min(lines, len(PALETTE)))
    domain = [f"series {n}" for n in range(lines)]
    legend = alt.Legend(title=None, orient="bottom", direction="horizontal", symbolSize=120)

    def scale(values: list[Any]) -> alt.Scale:
        return alt.Scale(domain=domain, range=values[:lines])

    base = alt.Chart(alt.Data(values=[])).encode(
        x=alt.X(
            "year:Q",
            title=_("Year (the last year of the period)"),
            axis=alt.Axis(format="d", tickMinStep=1, labelOverlap=True),
            scale=alt.Scale(zero=False, nice=False),
        ),
        y=alt.Y("value:Q", title=""),
        color=alt.Color("series:N", scale=scale(PALETTE), legend=legend),
        strokeDash=alt.StrokeDash("series:N", scale=scale(DASHES), legend=legend),
    )
    line = base.mark_line(strokeWidth=2, invalid="break-paths-filter-domains")
    points = base.mark_point(filled=True, size=60, opacity=1).encode(
        shape=alt.Shape("series:N", scale=scale(SHAPES), legend=legend),
        tooltip=[
            alt.Tooltip("series:N", title=_("Region")),
            alt.Tooltip("period:N", title=_("Period")),
            alt.Tooltip("shown:N", title=_("Value")),
        ],
    )
    chart = (
        alt.layer(line, points)
        .properties(width="container", height=HEIGHT)
        .configure_mark(aria=False)
        .configure_axis(aria=False, labelFontSize=12, titleFontSize=12)
        .configure_legend(aria=False, labelFontSize=12, labelLimit=240)
        .configure_view(stroke=None)
    )
    spec: dict[str, Any] = chart.to_dict(validate=False)
    spec.pop("datasets", None)
    return spec
