"""Importing official statistics: all or nothing, idempotent, every error with its place.

`validate(content, name)` reads a file and checks every row against the indicators and the
region registry without writing; `load(...)` does the same and, only if nothing is wrong,
writes every observation in one transaction. A value that a newer file changes keeps its old
value in ObservationRevision; importing the same file again changes nothing.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from samhandling.organisations.models import Region

from ..models import ImportBatch, Indicator, Observation, ObservationRevision, RegionCodeChange
from . import csvfile, jsonstat
from .jsonstat import Mapping
from .rows import Parsed, ParseError, Position, Problem, year_of

__all__ = ["Mapping", "Result", "detect_format", "load", "validate", "write_rows"]

SIX_PLACES = Decimal("0.000001")
Progress = Callable[[int], None]
Key = tuple[int, int, str, str]  # indicator, region, period, breakdown
COUNTRY_CODES = {"0", "00", "NO", "000"}
BREAKDOWN_LENGTH = 100  # Observation.breakdown's max_length


@dataclass
class Result:
    format: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    batch: ImportBatch | None = None

    @property
    def ok(self) -> bool:
        return not self.errors


class Resolved(NamedTuple):  # one per value: a named tuple is cheap to make
    key: Key
    year: int
    value: Decimal | None
    status: str
    note: str
    position: Position
    mapped_from: str = ""


def detect_format(content: bytes, name: str = "") -> str:
    head = content[:200].lstrip(b"\xef\xbb\xbf \r\n\t")
    if name.lower().endswith(".json") or head.startswith(b"{"):
        return "jsonstat"
    return "csv"


def _parse(content: bytes, name: str, fmt: str, mapping: Mapping | None) -> Parsed:
    fmt = detect_format(content, name) if fmt == "auto" else fmt
    if fmt == "jsonstat":
        return jsonstat.parse(content, mapping)
    if fmt == "csv":
        return csvfile.parse(content)
    raise ParseError(_("Unknown format %(format)s: use csv or jsonstat.") % {"format": fmt})


class _Registry:
    """Region and indicator codes, read once per import."""

    def __init__(self) -> None:
        self.regions: dict[str, int] = {}
        for pk, kind, country, code in Region.objects.values_list("pk", "kind", "country", "code"):
            if kind == Region.Kind.COUNTRY or country == "NO":
                self.regions[code] = pk
        norway = self.regions.get("NO")
        if norway is not None:
            for code in COUNTRY_CODES:
                self.regions[code] = norway
        self.changes: dict[str, list[tuple[str, Decimal]]] = defaultdict(list)
        for old, new, weight in RegionCodeChange.objects.values_list(
            "old_code", "new_code", "weight"
        ):
            if old != new:
                self.changes[old].append((new, weight))
        self.indicators: dict[str, int] = {}
        for pk, code, source_codes in Indicator.objects.values_list("pk", "code", "source_codes"):
            self.indicators[code] = pk
            for source_code in source_codes or []:
                self.indicators.setdefault(str(source_code), pk)

    def region(self, code: str) -> tuple[int | None, str, str]:
        """(region id, the old code it was mapped from, why it cannot be placed)."""
        if code in self.regions:
            return self.regions[code], "", ""
        targets = {new for new, _weight in self.changes.get(code, [])}
        if not targets:
            return None, "", _("unknown region code %(code)s") % {"code": code}
        weights = [weight for _new, weight in self.changes[code]]
        if len(targets) == 1 and all(weight == 1 for weight in weights):
            target = targets.pop()
            if target in self.regions:
                return self.regions[target], code, ""
        return None, code, "split"


def _resolve(parsed: Parsed, registry: _Registry, result: Result) -> list[Resolved]:
    resolved: list[Resolved] = []
    years: dict[str, int] = {}
    regions: dict[str, tuple[int | None, str, str]] = {}
    for row in parsed.rows:
        indicator = registry.indicators.get(row.indicator)
        if indicator is None:
            result.errors.append(Problem(str(row.position), _(
                "No indicator has the code %(code)s. Add it to the indicator definitions first."
            ) % {"code": row.indicator}))  # fmt: skip
            continue
        if row.region not in regions:
            regions[row.region] = registry.region(row.region)
        region, mapped_from, problem = regions[row.region]
        if problem == "split":
            result.warnings.append(Problem(str(row.position), _(
                "Region %(code)s was split in a municipal reform; its values cannot be carried "
                "over to today's municipalities and are left out (the series is broken there)."
            ) % {"code": row.region}))  # fmt: skip
            continue
        if region is None:
            result.errors.append(Problem(str(row.position), problem))
            continue
        if len(row.breakdown) > BREAKDOWN_LENGTH:
            result.errors.append(Problem(str(row.position), _(
                "The breakdown is longer than %(limit)s characters."
            ) % {"limit": BREAKDOWN_LENGTH}))  # fmt: skip
            continue
        if "\x00" in row.breakdown or "\x00" in row.note:  # PostgreSQL cannot store them
            result.errors.append(Problem(str(row.position), _("Null characters are not allowed.")))
            continue
        value = row.value.quantize(SIX_PLACES) if row.value is not None else None  # as stored
        period = row.period
        resolved.append(  # positional: made once per value
            Resolved(
                (indicator, region, period, row.breakdown),
                years[period] if period in years else _year(period, years),
                value,
                row.status,
                row.note,
                row.position,
                mapped_from,
            )
        )
    return _without_collisions(resolved, result)


def _year(period: str, years: dict[str, int]) -> int:
    """The period's year (0 for a period already reported as malformed), remembered."""
    try:
        years[period] = year_of(period)
    except (ValueError, IndexError):
        years[period] = 0
    return years[period]


def _without_collisions(rows: list[Resolved], result: Result) -> list[Resolved]:
    """Two rows for one observation: in the file itself an error; from an old code beside the
    new one, the new code's value is kept; from several merged old codes, none is (a rate
    cannot be added up) and the series is shown as broken."""
    first: dict[Key, Resolved] = {}
    clashes: dict[Key, list[Resolved]] = {}
    for row in rows:
        if row.key in first:
            clashes.setdefault(row.key, [first[row.key]]).append(row)
        else:
            first[row.key] = row
    if not clashes:
        return rows
    kept = [row for key, row in first.items() if key not in clashes]
    for group in clashes.values():
        direct = [row for row in group if not row.mapped_from]
        if len(direct) > 1:
            for row in direct[1:]:
                result.errors.append(Problem(str(row.position), _(
                    "The same indicator, region, period and breakdown as %(first)s."
                ) % {"first": str(direct[0].position)}))  # fmt: skip
            continue
        if direct:
            kept.append(direct[0])
            continue
        codes = ", ".join(sorted({row.mapped_from for row in group}))
        result.warnings.append(Problem(str(group[0].position), _(
            "Regions %(codes)s were merged; their values cannot be combined and are left out."
        ) % {"codes": codes}))  # fmt: skip
    return kept


def validate(content: bytes, name: str = "", *, fmt: str = "auto",
             mapping: Mapping | None = None) -> tuple[Result, list[Resolved]]:  # fmt: skip
    """Reads and checks every row; writes nothing."""
    result = Result(format=fmt)
    try:
        parsed = _parse(content, name, fmt, mapping)
    except ParseError as error:
        result.errors.append(Problem(_("the file"), str(error)))
        return result, []
    result.format = parsed.format
    result.rows = len(parsed.rows)
    result.errors.extend(parsed.errors)
    resolved = _resolve(parsed, _Registry(), result)
    if not parsed.rows and not result.errors:
        result.errors.append(Problem(_("the file"), _("The file holds no values.")))
    return result, resolved


def write_rows(rows: Iterable[Resolved], batch: ImportBatch | None, result: Result,
               progress: Progress | None = None) -> None:  # fmt: skip
    """Creates, updates (keeping the old value) or leaves each observation; in the caller's
    transaction."""
    rows = list(rows)
    indicators = {row.key[0] for row in rows}
    regions = {row.key[1] for row in rows}
    existing: dict[Key, tuple[int, Decimal | None, str, str, str]] = {}
    query = Observation.objects.filter(indicator_id__in=indicators)
    if len(regions) < 500:
        query = query.filter(region_id__in=regions)
    for pk, indicator, region, period, breakdown, value, status, note, mapped in query.values_list(
        "pk", "indicator_id", "region_id", "period", "breakdown", "value", "status", "note",
        "mapped_from",
    ).iterator(chunk_size=10_000):  # fmt: skip
        existing[(indicator, region, period, breakdown)] = (pk, value, status, note, mapped)
    creates: list[Resolved] = []
    updates: list[Observation] = []
    revisions: list[ObservationRevision] = []
    for row in rows:
        found = existing.get(row.key)
        if found is None:
            creates.append(row)
            continue
        pk, value, status, note, mapped = found
        same = (value, status, note, mapped) == (row.value, row.status, row.note, row.mapped_from)
        if same:
            result.unchanged += 1
            continue
        revisions.append(ObservationRevision(observation_id=pk, value=value, status=status,
                                             replaced_by=batch))  # fmt: skip
        updates.append(Observation(pk=pk, value=row.value, status=row.status, note=row.note,
                                   mapped_from=row.mapped_from, batch=batch,
                                   year=row.year))  # fmt: skip
    total = max(len(creates) + len(updates), 1)
    done = 0
    creates.sort(key=_by_key)  # in the unique index's order: its pages fill one after another
    for start in range(0, len(creates), INSERT_CHUNK):
        chunk = creates[start : start + INSERT_CHUNK]
        _insert(chunk, batch)
        done += len(chunk)
        if progress:
            progress(int(100 * done / total))
    ObservationRevision.objects.bulk_create(revisions, batch_size=5000)
    now = timezone.now()
    for observation in updates:
        observation.updated_at = now
    for start in range(0, len(updates), 2000):
        changed = updates[start : start + 2000]
        Observation.objects.bulk_update(
            changed, ["value", "status", "note", "mapped_from", "batch", "year", "updated_at"]
        )
        done += len(changed)
        if progress:
            progress(int(100 * done / total))
    result.created += len(creates)
    result.updated += len(updates)


INSERT_CHUNK = 10_000


def _by_key(row: Resolved) -> Key:
    return row.key


INSERT_COLUMNS = ("indicator_id", "region_id", "period", "year", "breakdown", "value", "status",
                  "note", "mapped_from", "batch_id", "updated_at")  # fmt: skip


def _insert(rows: list[Resolved], batch: ImportBatch | None) -> None:
    """New observations in one statement per chunk, without a model object per value (the
    import's hot path: bulk_create's per-field preparation took four fifths of the time)."""
    ops = connection.ops
    field = Observation._meta.get_field("value")
    now = ops.adapt_datetimefield_value(timezone.now())
    batch_id = batch.pk if batch else None

    def decimal(value: Decimal | None) -> Any:
        return ops.adapt_decimalfield_value(value, field.max_digits, field.decimal_places)

    params = [
        (row.key[0], row.key[1], row.key[2], row.year, row.key[3], decimal(row.value),
         row.status, row.note, row.mapped_from, batch_id, now)
        for row in rows
    ]  # fmt: skip
    table = connection.ops.quote_name(Observation._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(name) for name in INSERT_COLUMNS)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # COPY: PostgreSQL's own bulk path
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for values in params:
                    copy.write_row(values)
            return
        placeholders = ", ".join(["%s"] * len(INSERT_COLUMNS))
        cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", params)  # noqa: S608 - names from the model, values as parameters


def load(content: bytes, name: str, *, fmt: str = "auto", mapping: Mapping | None = None,
         user: Any = None, batch: ImportBatch | None = None,
         progress: Progress | None = None) -> Result:  # fmt: skip
    """Validates, then writes everything in one transaction — or nothing if any row fails.
    The ImportBatch (created here unless given) records the outcome either way; a successful
    outcome in the same transaction as the rows, so that the two are never apart."""
    digest = hashlib.sha256(content).hexdigest()
    if batch is None:
        batch = ImportBatch.objects.create(file_name=name[:255], sha256=digest, format=fmt,
                                           imported_by=user)  # fmt: skip
    result, resolved = validate(content, name, fmt=fmt, mapping=mapping)
    result.batch = batch
    if result.ok:
        with transaction.atomic():
            write_rows(resolved, batch, result, progress)
            _record_outcome(batch, result)
    else:
        _record_outcome(batch, result)
    return result


def _record_outcome(batch: ImportBatch, result: Result) -> None:
    batch.format = result.format
    batch.rows = result.rows
    batch.created, batch.updated, batch.unchanged = result.created, result.updated, result.unchanged
    batch.errors = [p.as_dict() for p in result.errors[:1000]] + [
        {**p.as_dict(), "warning": True} for p in result.warnings[:200]
    ]
    batch.state = ImportBatch.State.DONE if result.ok else ImportBatch.State.FAILED
    batch.progress = 100
    batch.upload = None
    batch.finished_at = timezone.now()
    batch.save()
