"""JSON-stat 2.0: a dataset, or a collection of datasets (the format of SSB's API and of many
Nordic statistics offices; https://json-stat.org/format/).

Dimensions are mapped to region, period and indicator; by default through the dataset's
`role` (geo, time, metric), else by the names SSB uses (Region, Tid, ContentsCode). Every other
dimension becomes the observation's breakdown ("Kjonn=1;Alder=005"). Values and statuses may be
arrays or sparse objects; a status may be one string for every value.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from itertools import product
from typing import Any

from django.utils.translation import gettext as _

from .rows import (
    Parsed,
    ParseError,
    Row,
    ValuePosition,
    check_period,
    out_of_range,
    parse_status,
    parse_value,
)

REGION_NAMES = ("Region", "region", "geo", "Kommune", "KOKkommuneregion0000")
PERIOD_NAMES = ("Tid", "time", "Year", "year", "period", "Aar", "År")
INDICATOR_NAMES = ("ContentsCode", "indicator", "metric", "StatVar")
# More values than a file of the largest upload can hold densely (each at least "0,").
MAX_VALUES = 10_000_000


@dataclass(frozen=True)
class Mapping:
    region: str = ""
    period: str = ""
    indicator: str = ""  # a dimension whose categories are indicator codes
    fixed_indicator: str = ""  # or one indicator for the whole dataset


def _categories(dimension: dict[str, Any], name: str) -> list[str]:
    category = dimension.get("category")
    if not isinstance(category, dict):
        raise ParseError(_("Dimension %(name)s has no categories.") % {"name": name})
    index = category.get("index")
    if index is None:  # a single category may be given by its label only
        labels = category.get("label")
        if isinstance(labels, dict) and len(labels) == 1:
            return list(labels)
        raise ParseError(_("Dimension %(name)s has no category index.") % {"name": name})
    if isinstance(index, list):
        return [str(code) for code in index]
    if isinstance(index, dict):
        ordered = sorted(index.items(), key=lambda item: item[1])
        if [position for _code, position in ordered] != list(range(len(ordered))):
            raise ParseError(_("Dimension %(name)s has gaps in its index.") % {"name": name})
        return [str(code) for code, _position in ordered]
    raise ParseError(_("Dimension %(name)s has an index of the wrong kind.") % {"name": name})


def _pick(dataset: dict[str, Any], wanted: str, role: str, names: tuple[str, ...]) -> str:
    ids: list[str] = dataset["id"]
    if wanted:
        if wanted not in ids:
            raise ParseError(_("The dataset has no dimension %(name)s.") % {"name": wanted})
        return wanted
    roles = dataset.get("role") or {}
    for candidate in roles.get(role, []) if isinstance(roles, dict) else []:
        if candidate in ids:
            return str(candidate)
    for candidate in names:
        if candidate in ids:
            return candidate
    return ""


def _at(values: Any, index: int) -> Any:
    if isinstance(values, list):
        return values[index] if index < len(values) else None
    if isinstance(values, dict):
        return values.get(str(index))
    return values  # one status for every value


def parse_dataset(dataset: dict[str, Any], mapping: Mapping, parsed: Parsed, label: str) -> None:
    for key in ("id", "size", "dimension"):
        if key not in dataset:
            message = _("%(where)s: the dataset has no %(key)s.")
            raise ParseError(message % {"where": label, "key": key})
    ids: list[str] = [str(name) for name in dataset["id"]]
    sizes: list[int] = list(dataset["size"])
    if len(ids) != len(sizes):
        raise ParseError(_("%(where)s: id and size differ in length.") % {"where": label})
    categories = []
    for name, size in zip(ids, sizes, strict=True):
        dimension = dataset["dimension"].get(name)
        if not isinstance(dimension, dict):
            raise ParseError(_("%(where)s: dimension %(name)s is not described.")
                             % {"where": label, "name": name})  # fmt: skip
        codes = _categories(dimension, name)
        if len(codes) != size:
            raise ParseError(_("%(where)s: dimension %(name)s has %(count)s categories, but size "
                               "says %(size)s.") % {"where": label, "name": name,
                                                    "count": len(codes), "size": size})  # fmt: skip
        categories.append(codes)
    region = _pick(dataset, mapping.region, "geo", REGION_NAMES)
    period = _pick(dataset, mapping.period, "time", PERIOD_NAMES)
    indicator = (
        ""
        if mapping.fixed_indicator
        else _pick(dataset, mapping.indicator, "metric", INDICATOR_NAMES)
    )
    if not region or not period:
        raise ParseError(_("%(where)s: say which dimension is the region and which the period.")
                         % {"where": label})  # fmt: skip
    if not indicator and not mapping.fixed_indicator:
        raise ParseError(_("%(where)s: say which dimension is the indicator, or name one "
                           "indicator for the whole dataset.") % {"where": label})  # fmt: skip
    values = dataset.get("value")
    if values is None:
        raise ParseError(_("%(where)s: the dataset has no values.") % {"where": label})
    total = 1
    for size in sizes:
        total *= size
    if total > MAX_VALUES:  # sparse values are looked up over every combination of categories
        raise ParseError(_("%(where)s: the dimensions give %(total)s values; at most %(most)s "
                           "can be read.") % {"where": label, "total": total,
                                              "most": MAX_VALUES})  # fmt: skip
    if isinstance(values, list) and len(values) != total:
        parsed.error(label, _("There are %(count)s values; the dimensions give %(total)s.")
                     % {"count": len(values), "total": total})  # fmt: skip
        return
    statuses = dataset.get("status")
    notes = dataset.get("note") if isinstance(dataset.get("note"), dict) else None
    position_of = {name: index for index, name in enumerate(ids)}
    others = [position_of[name] for name in ids if name not in (region, period, indicator)]
    region_at, period_at = position_of[region], position_of[period]
    indicator_at = position_of[indicator] if indicator else -1
    names = tuple(ids)
    # Each period is checked once, where its dimension lists it.
    periods = {
        code: check_period(
            code,
            _("dimension %(name)s, category %(code)s") % {"name": period, "code": code},
            parsed,
        )  # fmt: skip
        for code in categories[period_at]
    }
    fixed = mapping.fixed_indicator
    dense = isinstance(values, list)
    # Statuses as a lookup by position: a list, a sparse object, or one status for all.
    status_of: dict[int, Any] = {}
    status_for_all = None
    if isinstance(statuses, list):
        status_of = {i: v for i, v in enumerate(statuses) if v is not None}
    elif isinstance(statuses, dict):
        for key, symbol_value in statuses.items():
            if not str(key).isdigit():
                raise ParseError(_("%(where)s: status %(key)s is not a position.")
                                 % {"where": label, "key": key})  # fmt: skip
            status_of[int(key)] = symbol_value
    elif statuses is not None:
        status_for_all = statuses
    for flat, combination in enumerate(product(*categories)):
        raw = values[flat] if dense else _at(values, flat)
        symbol = status_of.get(flat, status_for_all) if status_of else status_for_all
        if raw is None and symbol is None and isinstance(values, dict):
            continue  # a sparse dataset leaves out what it does not have
        where = ValuePosition(flat, names, combination)
        value: Decimal | None
        if type(raw) is int or type(raw) is float:  # the common case, without the general path
            value = Decimal(raw) if type(raw) is int else Decimal(repr(raw))
            if out_of_range(value):
                value = parse_value(raw, where, parsed)  # says why
        else:
            value = parse_value(raw, where, parsed)
        status = "" if symbol is None else parse_status(symbol, where, parsed)
        if value is None and not status:
            status = "missing"
        parsed.rows.append(
            Row(  # positional: made once per value (indicator, region, period, breakdown, …)
                fixed or combination[indicator_at],
                combination[region_at],
                periods[combination[period_at]],
                ";".join([f"{names[at]}={combination[at]}" for at in others]) if others else "",
                value,
                status,
                str(notes.get(str(flat), ""))[:500] if notes else "",
                where,
            )
        )


def parse(content: bytes, mapping: Mapping | None = None) -> Parsed:
    mapping = mapping or Mapping()
    parsed = Parsed(format="jsonstat")
    try:
        document = json.loads(content.decode("utf-8-sig"))
    # not UTF-8, not JSON, a number too long for Python to read, or nested too deeply
    except (ValueError, RecursionError) as error:
        raise ParseError(_("The file is not JSON: %(error)s") % {"error": error}) from error
    if not isinstance(document, dict):
        raise ParseError(_("The file is not a JSON-stat document."))
    if str(document.get("version", "")) != "2.0":
        raise ParseError(_("Only JSON-stat version 2.0 is read (the file says %(version)s).")
                         % {"version": document.get("version", "—")})  # fmt: skip
    try:
        _parse_document(document, mapping, parsed)
    except ParseError:
        raise
    except (TypeError, AttributeError, KeyError, IndexError, ValueError) as error:
        # a part of the document is of another JSON type than JSON-stat gives it
        raise ParseError(_("The file is not a JSON-stat document.")) from error
    return parsed


def _parse_document(document: dict[str, Any], mapping: Mapping, parsed: Parsed) -> None:
    kind = document.get("class")
    if kind == "dataset":
        parse_dataset(document, mapping, parsed, _("the dataset"))
    elif kind == "collection":
        items = (document.get("link") or {}).get("item") or []
        datasets = [item for item in items if isinstance(item, dict)
                    and item.get("class") == "dataset"]  # fmt: skip
        if not datasets:
            raise ParseError(_("The collection holds no embedded datasets."))
        for number, dataset in enumerate(datasets, start=1):
            where = _("dataset %(number)s of the collection") % {"number": number}
            parse_dataset(dataset, mapping, parsed, where)
    else:
        raise ParseError(_("The JSON-stat class must be dataset or collection."))
