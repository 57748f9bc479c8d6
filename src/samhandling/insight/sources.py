"""The real statistics in `insight/data/` (see its SOURCES.md), read from each file's own shape.

Each converter turns one publisher's file into importer rows with their place in that file;
`load_file` writes them through the same checks and loader as an uploaded file (our documented
CSV, `importers.load`), so one file is loaded all or nothing, and loading it again changes
nothing. A run that changes nothing leaves no import record behind.

Breakdowns use SSB's codes for sex, as a JSON-stat file from SSB does: "" is the total (both
sexes), "Kjonn=1" men or boys, "Kjonn=2" women or girls.
"""

from __future__ import annotations

import csv
import hashlib
import io
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from samhandling.organisations.models import Region

from . import definitions, importers
from .importers.rows import Problem, Row, year_of
from .models import ImportBatch, Indicator, RegionCodeChange, Status

DATA = Path(__file__).resolve().parent / "data"
POPULATION_FILE = "no_befolkning_kommune_alder_0_24_2020_2026.csv"
TELEMARK_FILE = "indikatorer_barn_unge_telemark_utvalg.csv"
NAV_FILE = "nav_nedsatt_arbeidsevne_18_29_fylker.csv"
CODE_CHANGES_FILE = "no_kommune_omkoding_til_2024.csv"

TOTAL, MALE, FEMALE = "", "Kjonn=1", "Kjonn=2"
HUNDRED = Decimal(100)
SIX_PLACES = Decimal("0.000001")
BASE_YEAR = 2020
HEADER = ("region", "period", "indicator", "value", "status", "breakdown", "note")


@dataclass
class Outcome:
    """What loading one source did."""

    name: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class Converted:
    """A file in importer rows, and what could not be read."""

    rows: list[Row] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)

    def add(
        self,
        indicator: str,
        region: str,
        period: str,
        breakdown: str,
        value: Decimal | None,
        status: str,
        note: str,
        position: str,
    ) -> None:
        self.rows.append(
            Row(
                indicator=indicator,
                region=region,
                period=period,
                breakdown=breakdown,
                value=value,
                status=status,
                note=note,
                position=position,
            )
        )


class Regions:
    """Region codes and names in Norway, read once."""

    def __init__(self) -> None:
        self.county_of: dict[str, str] = {}  # municipality code → county code
        self.county_codes: set[str] = set()
        self.counties: dict[str, str] = {}  # a county's name → code
        self.municipalities: dict[tuple[str, str], str] = {}  # (county, name) → code
        rows = Region.objects.filter(country="NO").values_list(
            "kind", "code", "name", "short_name", "parent__code"
        )
        for kind, code, name, short_name, parent in rows:
            names = {_key(name), _key(short_name), _key(name.split(" - ")[0])} - {""}
            if kind == Region.Kind.COUNTY:
                self.county_codes.add(code)
                self.counties.update(dict.fromkeys(names, code))
            elif kind == Region.Kind.MUNICIPALITY:
                self.county_of[code] = parent
                self.municipalities.update({(parent, key): code for key in names})


def _key(name: str) -> str:
    return " ".join(name.split()).casefold()


def _lines() -> Callable[[int], str]:
    """ "line 12" in the active language (the importer's words), translated once per file."""
    template = _("line %(line)s")
    return lambda number: template % {"line": number}


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _number(text: str, position: str, converted: Converted) -> Decimal | None:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite():
        converted.errors.append(
            Problem(position, _("The value %(value)s is not a number.") % {"value": text})
        )
        return None
    return value


# — Population: SSB 07459 by municipality, year and sex, and what is derived from it —


def population_rows(path: Path, regions: Regions) -> Converted:
    """The number aged 0–24 per municipality, year and sex, their sums per county and for the
    country, the share of all ages and the change since 2020."""
    converted = Converted()
    line = _lines()
    sex_of = {"alle": TOTAL, "menn": MALE, "kvinner": FEMALE}
    young: dict[tuple[str, int, str], Decimal] = defaultdict(Decimal)
    everyone: dict[tuple[str, int, str], Decimal] = defaultdict(Decimal)
    where: dict[tuple[str, int, str], str] = {}
    for number, record in enumerate(_read(path), start=2):
        position = line(number)
        code, sex = record["kommunenummer"].strip(), sex_of.get(record["kjonn"].strip())
        county = regions.county_of.get(code)
        if county is None or sex is None or not record["aar"].strip().isdigit():
            converted.errors.append(
                Problem(
                    position,
                    _("Unknown municipality, year or sex: %(code)s, %(year)s, %(sex)s.")
                    % {"code": code, "year": record["aar"], "sex": record["kjonn"]},
                )
            )
            continue
        year = int(record["aar"])
        count = _number(record["sum_0_24"], position, converted)
        total = _number(record["alle_aldre"], position, converted)
        if count is None or total is None:
            continue
        for region in (code, county, "NO"):
            young[(region, year, sex)] += count
            everyone[(region, year, sex)] += total
        where[(code, year, sex)] = position
    for (region, year, sex), count in young.items():
        position = where.get((region, year, sex)) or _("%(region)s %(year)s (sum)") % {
            "region": region,
            "year": year,
        }
        estimated = _ESTIMATED.get(region)
        note = _population_note(year) if estimated and year <= estimated else ""
        period = str(year)
        converted.add(definitions.POPULATION_0_24, region, period, sex, count, "", note, position)
        if everyone[(region, year, sex)]:
            share = HUNDRED * count / everyone[(region, year, sex)]
            converted.add(
                definitions.POPULATION_0_24_SHARE,
                region,
                period,
                sex,
                share.quantize(SIX_PLACES),
                "",
                note,
                position,
            )
        base = young.get((region, BASE_YEAR, sex))
        if year > BASE_YEAR and base:
            change = HUNDRED * (count - base) / base
            change_note = _population_note(BASE_YEAR) if estimated else ""
            converted.add(
                definitions.POPULATION_0_24_CHANGE,
                region,
                period,
                sex,
                change.quantize(SIX_PLACES),
                "",
                change_note,
                position,
            )
    return converted


# Municipalities whose figures up to this year are FHI's estimates (a split by population).
_ESTIMATED = {"1508": 2023, "1580": 2023}


def _population_note(year: int) -> str:
    return _(
        "Estimate for %(year)s: FHI split the former Ålesund municipality between Ålesund and "
        "Haram by population weights."
    ) % {"year": year}


# — FHI and SSB indicators for Telemark, the county and the country —


def telemark_rows(path: Path, regions: Regions) -> Converted:
    converted = Converted()
    line = _lines()
    sex_of = {"kjønn samlet": TOTAL, "gutter": MALE, "jenter": FEMALE}
    for number, record in enumerate(_read(path), start=2):
        position = line(number)
        code = definitions.TELEMARK_FILE.get(
            (record["indikator"].strip(), record["alder_trinn"].strip())
        )
        sex = sex_of.get(record["kjonn"].strip().casefold())
        region = _geocode(record["geokode"].strip(), regions)
        if code is None or sex is None or region is None:
            converted.errors.append(
                Problem(
                    position,
                    _("Unknown indicator, grade, sex or region: %(what)s.")
                    % {
                        "what": ", ".join(
                            record[k] for k in ("indikator", "alder_trinn", "kjonn", "geokode")
                        )
                    },
                )
            )
            continue
        unit = record["enhet"].strip()
        period = record["periode"].strip()
        if not record["verdi"].strip():
            value, status = None, Status.SUPPRESSED.value
        else:
            value, status = _number(record["verdi"], position, converted), ""
            if value is not None and unit.startswith("andel (0-1)"):
                value *= HUNDRED
            elif value is not None and unit != "prosent":
                converted.errors.append(
                    Problem(position, _("Unknown unit %(unit)s.") % {"unit": unit})
                )
                continue
        note = _telemark_note(region, period)
        converted.add(code, region, period, sex, value, status, note, position)
    return converted


def _geocode(code: str, regions: Regions) -> str | None:
    if code in ("0", "00"):
        return "NO"
    if code in regions.county_of or code in regions.county_codes:
        return code
    return None


def _telemark_note(region: str, period: str) -> str:
    """Telemark's figures for 2020–2023 are for today's area, then part of another county."""
    try:
        first, last = int(period[:4]), year_of(period)
    except (ValueError, IndexError):
        return ""  # the importer reports the period
    if region == "40" and first <= 2023 and last >= 2020:
        return _("Today's Telemark: from 2020 to 2023 the county was part of Vestfold og Telemark.")
    return ""


# — NAV: young people aged 18–29 with reduced work capacity, by month —


def nav_rows(path: Path, regions: Regions) -> Converted:
    converted = Converted()
    line = _lines()
    sex_of = {"begge kjønn": TOTAL, "menn": MALE, "kvinner": FEMALE}
    for number, record in enumerate(_read(path), start=2):
        position = line(number)
        region = _nav_region(record["nivaa"], record["geonavn"], regions)
        sex = sex_of.get(_key(record["kjonn"]))
        if region is None or sex is None:
            converted.errors.append(
                Problem(
                    position,
                    _("Unknown region or sex: %(region)s, %(sex)s.")
                    % {"region": record["geonavn"], "sex": record["kjonn"]},
                )
            )
            continue
        if record["alder"].replace(" ", "") != "18-29år":
            converted.errors.append(
                Problem(
                    position, _("Only ages 18–29 are read, not %(age)s.") % {"age": record["alder"]}
                )
            )
            continue
        date = record["dato"].strip()
        period = f"{date[:4]}M{date[5:7]}"
        for indicator, column in (
            (definitions.NAV_COUNT, "antall_personer"),
            (definitions.NAV_SHARE, "andel_av_befolkningen_prosent"),
        ):
            text = record[column].strip()
            value = _number(text, position, converted) if text else None
            status = "" if text else Status.MISSING.value
            converted.add(indicator, region, period, sex, value, status, "", position)
    return converted


def _nav_region(level: str, name: str, regions: Regions) -> str | None:
    level, name = _key(level), _key(name)
    if name in ("landet", "hele landet", "norge"):
        return "NO"
    if level == "fylker":
        return regions.counties.get(name)
    if level.endswith(" kommuner"):
        county = regions.counties.get(level.removesuffix(" kommuner"))
        return regions.municipalities.get((county or "", name))
    return None


# — Loading —

Converter = Callable[[Path, Regions], Converted]
FILES: tuple[tuple[str, Converter], ...] = (
    (POPULATION_FILE, population_rows),
    (TELEMARK_FILE, telemark_rows),
    (NAV_FILE, nav_rows),
)


def documented_csv(rows: list[Row]) -> bytes:
    """Rows in the CSV format an analyst would upload (docs/statistics.md)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(HEADER)
    for row in rows:
        value = "" if row.value is None else format(row.value, "f")
        writer.writerow(
            (row.region, row.period, row.indicator, value, row.status, row.breakdown, row.note)
        )
    return buffer.getvalue().encode()


def load_file(path: Path, converter: Converter, regions: Regions | None = None) -> Outcome:
    """Converts one file and loads it all or nothing. Errors name the place in that file."""
    started = time.perf_counter()
    outcome = Outcome(name=path.name)
    content = path.read_bytes()
    with translation.override(settings.LANGUAGE_CODE):
        converted = converter(path, regions or Regions())
        batch = ImportBatch(
            file_name=path.name, sha256=hashlib.sha256(content).hexdigest(), format="csv"
        )
        if converted.errors:
            outcome.rows = len(converted.rows)
            outcome.errors = converted.errors
            _record_failure(batch, outcome)
        else:
            batch.save()
            result = importers.load(
                documented_csv(converted.rows), path.name, fmt="csv", batch=batch
            )
            # The loader's positions are lines of the converted CSV; name the source's instead.
            line = _lines()
            place = {line(index): str(row.position) for index, row in enumerate(converted.rows, 2)}
            outcome.rows = result.rows
            outcome.created, outcome.updated = result.created, result.updated
            outcome.unchanged = result.unchanged
            outcome.errors = [
                Problem(place.get(p.position, p.position), p.message) for p in result.errors
            ]
            outcome.warnings = [
                Problem(place.get(p.position, p.position), p.message) for p in result.warnings
            ]
            if not result.ok:
                _record_failure(batch, outcome)
            elif not (result.created or result.updated):
                batch.delete()  # nothing changed: no import to record
    outcome.seconds = time.perf_counter() - started
    return outcome


def _record_failure(batch: ImportBatch, outcome: Outcome) -> None:
    batch.state = ImportBatch.State.FAILED
    batch.rows = outcome.rows
    batch.errors = [problem.as_dict() for problem in outcome.errors[:1000]]
    batch.progress = 100
    batch.finished_at = timezone.now()
    batch.save()


@transaction.atomic
def load_definitions() -> Outcome:
    """Creates or updates every indicator in `definitions.DEFINITIONS` (by code)."""
    started = time.perf_counter()
    outcome = Outcome(name=_("indicator definitions"), rows=len(definitions.DEFINITIONS))
    existing = {indicator.code: indicator for indicator in Indicator.objects.all()}
    for definition in definitions.DEFINITIONS:
        wanted = definition.fields()
        indicator = existing.get(definition.code)
        if indicator is None:
            Indicator.objects.create(code=definition.code, **wanted)
            outcome.created += 1
        elif any(getattr(indicator, name) != value for name, value in wanted.items()):
            for name, value in wanted.items():
                setattr(indicator, name, value)
            indicator.full_clean()
            indicator.save()
            outcome.updated += 1
        else:
            outcome.unchanged += 1
    outcome.seconds = time.perf_counter() - started
    return outcome


def load_code_changes(path: Path = DATA / CODE_CHANGES_FILE) -> Outcome:
    """The old municipality codes and the 2024 codes they became (an upsert, all or nothing)."""
    started = time.perf_counter()
    outcome = Outcome(name=path.name)
    current = set(
        Region.objects.filter(country="NO", kind=Region.Kind.MUNICIPALITY).values_list(
            "code", flat=True
        )
    )
    wanted: dict[tuple[str, str, int], tuple[Decimal, int]] = {}
    line = _lines()
    for number, record in enumerate(_read(path), start=2):
        position = line(number)
        old, new = record["kommunenummer_original"].strip(), record["kommunenummer_2024"].strip()
        try:
            weight = Decimal(record["vekt"])
            first, last = int(record["fra_aar"]), int(record["til_aar"])
        except (InvalidOperation, ValueError):
            outcome.errors.append(Problem(position, _("The weight or a year is not a number.")))
            continue
        if new not in current or not (0 < weight <= 1) or first > last:
            outcome.errors.append(
                Problem(
                    position,
                    _(
                        "Not a change to a 2024 municipality with a weight between 0 and 1: "
                        "%(old)s → %(new)s."
                    )
                    % {"old": old, "new": new},
                )
            )
            continue
        wanted[(old, new, first)] = (weight, last)
    outcome.rows = len(wanted) + len(outcome.errors)
    if outcome.errors:
        outcome.seconds = time.perf_counter() - started
        return outcome
    with transaction.atomic():
        existing = {
            (c.old_code, c.new_code, c.from_year): c for c in RegionCodeChange.objects.all()
        }
        creates, updates = [], []
        for (old, new, first), (weight, last) in wanted.items():
            change = existing.get((old, new, first))
            if change is None:
                creates.append(
                    RegionCodeChange(
                        old_code=old, new_code=new, weight=weight, from_year=first, to_year=last
                    )
                )
            elif change.weight != weight or change.to_year != last:
                change.weight, change.to_year = weight, last
                updates.append(change)
        RegionCodeChange.objects.bulk_create(creates)
        RegionCodeChange.objects.bulk_update(updates, ["weight", "to_year"])
    outcome.created, outcome.updated = len(creates), len(updates)
    outcome.unchanged = len(wanted) - len(creates) - len(updates)
    outcome.seconds = time.perf_counter() - started
    return outcome


def load_all() -> list[Outcome]:
    """Definitions, code changes and every real file; each file all or nothing on its own."""
    outcomes = [load_definitions(), load_code_changes()]
    regions = Regions()
    for name, converter in FILES:
        outcomes.append(load_file(DATA / name, converter, regions))
    return outcomes
