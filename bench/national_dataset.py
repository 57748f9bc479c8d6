"""A synthetic national dataset in PostgreSQL, loaded with COPY.

    .venv/bin/python bench/national_dataset.py --scale 0.01            # under a minute
    .venv/bin/python bench/national_dataset.py --scale 0.1 --verify    # + walk the audit chain
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/samhandling_national  (the default)

Drops and creates the database, migrates it, loads the regions, then fills it. At scale 1.0:
children and young people aged 0-24 in every municipality in proportion to its population by
single year of age (1 January of the latest year in the population file: about 1.57 million),
their parents and guardians with family relations, one service per sector in each municipality
with a service leader and its professionals, 200,000 open cases (team, family participants, a
plan with goals and measures, a consent with its services), 20 million log entries and 100
million audit events in one valid hash chain: the same hashes as audit.services, computed while
streaming; the chain head and the checkpoint file are moved to its end, so that
`manage.py verify_audit` (with the same AUDIT_CHECKPOINT_PATH) passes.

Everything is synthetic and deterministic for a --seed: names are combined from the demo's
lists of common given and family names, identity numbers are synthetic (month + 80, valid by
checksum, unique across the country), texts are neutral phrases. Nothing about a person is
printed.

Rows are made by Python generators as COPY text lines and streamed with psycopg's
`cursor.copy()` in chunks, committed every COMMIT_EVERY rows (the deferred foreign-key checks
run at each commit). A table made while another one streams goes to a temporary file first.
Every index, constraint and trigger that production has stays in place: the figures include
their cost. Ids are given explicitly (so that later tables can refer to them) and each
table's sequence is moved past them afterwards.
"""

import argparse
import csv
import datetime
import hashlib
import itertools
import json
import os
import random
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "samhandling.config.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz")
os.environ.setdefault("HTTPS", "false")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/samhandling_national")
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("AUDIT_CHECKPOINT_PATH", str(ROOT / "var" / "national-audit-checkpoint.json"))

sys.path.insert(0, str(ROOT / "bench"))
from audit_record import ensure_database  # noqa: E402

POPULATION_FILE = (
    ROOT / "src/samhandling/insight/data/no_befolkning_kommune_alder_0_24_2020_2026.csv"
)
# At scale 1.0; the persons come from the population file.
OPEN_CASES = 200_000
LOG_ENTRIES = 20_000_000
AUDIT_EVENTS = 100_000_000

CASES_PER_PROFESSIONAL = 20  # open cases a professional works in, on average
COMMIT_EVERY = 500_000  # rows per transaction (bounds the queue of deferred FK checks)
CHUNK = 2_000  # rows per write to the COPY stream
REPORT_EVERY = 10.0  # seconds between progress lines

REFERENCE_DAY = datetime.date(2026, 11, 26)  # "today" in the data set
HISTORY_DAYS = 1_000  # dates lie at most this far back...
FUTURE_DAYS = 400  # ...and this far ahead (the end of a measure or a consent)
DAYS = [
    (REFERENCE_DAY + datetime.timedelta(days=i)).isoformat()
    for i in range(-HISTORY_DAYS, FUTURE_DAYS + 1)
]
DAY_US = 86_400_000_000
AUDIT_SPAN_DAYS = 365  # the audit events cover the last year...
OFFICE_OPENS, OFFICE_HOURS = 7 * 3_600_000_000, 10  # ...from 07:00 to 17:00 UTC each day
SEP = "\x1f"  # the audit chain's unit separator (audit.models.UNIT_SEPARATOR)

LEVEL_WEIGHTS = (15, 35, 30, 20)  # levels 0-3 among open cases
TEAM_SIZE = {0: (1, 1), 1: (1, 2), 2: (2, 3), 3: (3, 5)}  # services in the team, by level
LOG_WEIGHT = {0: 3, 1: 7, 2: 12, 3: 20}  # relative number of log entries, by level

SERVICE_NAMES = {  # Norwegian service names; a sector missing here is named by its code
    "kindergarten": "barnehagene",
    "school": "skolene",
    "school_health": "skolehelsetjenesten",
    "family_health": "helsestasjonen",
    "child_welfare": "barneverntjenesten",
    "nav": "NAV",
    "ppt": "PPT",
    "mental_health": "psykisk helse",
    "integration": "flyktningtjenesten",
    "culture_leisure": "kultur og fritid",
    "police": "politiets forebyggende",
}
STREETS = ["Eksempelveien", "Demogata", "Prøvestien", "Testlia", "Fiktivbakken", "Syntetveien"]
LANGUAGES = ["nb"] * 8 + ["nn", "nn", "en", "ar", "so", "uk", "pl", "ti"]
SENTENCES = [
    "Samtale gjennomført som avtalt.",
    "Oppmøtet har vært stabilt de siste ukene.",
    "Tiltaket følges opp på neste møte.",
    "Foresatte er orientert om avtalen.",
    "Det er avtalt ny kartlegging.",
    "Trivselen er bedre enn ved forrige evaluering.",
    "Tjenesten foreslår å justere tiltaket.",
    "Møtet ble flyttet etter ønske fra familien.",
    "Det er sendt innkalling til samarbeidsmøte.",
    "Ansvarsfordelingen er avklart i teamet.",
    "Neste evaluering er satt opp om fire uker.",
    "Det er behov for tettere oppfølging.",
    "Tiltaket fungerer etter planen.",
    "Planen er oppdatert med nye delmål.",
    "Det ble gitt informasjon om tilbudet.",
    "Kontakten med hjemmet er god.",
]
CHILDS_WORDS = [
    "Det går bedre nå.",
    "Jeg vil ha mer tid ute.",
    "Det er fint å ha noen å snakke med.",
]
GOALS = [
    "Trives på skolen",
    "Mer stabilt oppmøte",
    "Venner på fritiden",
    "Trygg overgang",
    "Bedre søvn",
    "Mestring i hverdagen",
    "Egen bolig",
    "Arbeid eller skole",
]
MEASURES = [
    "Faste samtaler",
    "Tilrettelagt undervisning",
    "Fritidskontakt",
    "Leksehjelp",
    "Foreldreveiledning",
    "Praksisplass",
    "Samtaleterapi",
    "Overgangsmøte",
]
PURPOSES = [
    "Samarbeid om tiltak i skole og hjem",
    "Oppfølging i overgangen",
    "Helhetlig plan for barnet",
    "Bolig, skole og arbeid",
]
LOG_KINDS = ["observation"] * 4 + ["conversation", "action", "action", "evaluation", "note"]


def lead_sector(age: int) -> str:
    """The service that usually opens a case for a child of this age."""
    if age < 6:
        return "kindergarten"
    if age < 20:
        return "school"
    return "nav"


def day(days_ago: int) -> str:
    """The date `days_ago` before the reference day (negative: after it)."""
    return DAYS[HISTORY_DAYS - days_ago]


def stamp(days_ago: int, seconds: int) -> str:
    """A time in UTC, `days_ago` before the reference day and `seconds` into that day."""
    hours, rest = divmod(seconds, 3600)
    return f"{day(days_ago)}T{hours:02d}:{rest // 60:02d}:{rest % 60:02d}+00:00"


def row(*values: object) -> str:
    """One row in COPY's text format. The values never contain a tab, newline or backslash
    (the word lists are checked at the start), so nothing needs escaping."""
    return "\t".join(
        "\\N" if v is None else ("t" if v else "f") if isinstance(v, bool) else str(v)
        for v in values
    )


# --- Where people live ---------------------------------------------------------------------


@dataclass
class Municipality:
    code: str
    region_id: int
    name: str
    ages: list[int]  # population by single year of age 0-24
    children: int = 0  # at this scale
    cases: int = 0
    services: dict[str, int] = field(default_factory=dict)  # sector -> organisation id
    professionals: dict[str, list[int]] = field(default_factory=dict)  # sector -> user ids


def read_population() -> tuple[int, dict[str, list[int]]]:
    """Population by age 0-24 per municipality code, in the latest year of the file."""
    with POPULATION_FILE.open(encoding="utf-8", newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if r["kjonn"] == "alle"]
    year = max(int(r["aar"]) for r in rows)
    columns = [f"alder_{age:02d}" for age in range(25)]
    population = {
        r["kommunenummer"]: [int(r[c]) for c in columns] for r in rows if int(r["aar"]) == year
    }
    return year, population


def apportion(total: int, weights: list[int]) -> list[int]:
    """`total` split in proportion to `weights` by largest remainder: the parts add up."""
    whole = sum(weights)
    if not whole:
        return [0] * len(weights)
    parts = [total * w // whole for w in weights]
    by_remainder = sorted(range(len(weights)), key=lambda i: (-(total * weights[i] % whole), i))
    for i in by_remainder[: total - sum(parts)]:
        parts[i] += 1
    return parts


# --- Synthetic identity numbers ------------------------------------------------------------

W1 = (3, 7, 6, 1, 8, 9, 4, 5, 2)  # the check digits' weights (stdnum.no.fodselsnummer)
W2 = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)


class IdentityNumbers:
    """Unique synthetic Norwegian identity numbers (month + 80), as people.identity makes them,
    with the checksums computed from precomputed partial sums: the date's digits once per date,
    the individual number's once for all 1,000. Each date keeps a bitmap of the individual
    numbers used (or without a valid checksum), so no number is issued twice."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        digits = [(i // 100, i // 10 % 10, i % 10) for i in range(1000)]
        self.part1 = [W1[6] * a + W1[7] * b + W1[8] * c for a, b, c in digits]
        self.part2 = [W2[6] * a + W2[7] * b + W2[8] * c for a, b, c in digits]
        self.dates: dict[int, tuple[bytearray, str, int, int]] = {}

    def _date(self, born: datetime.date) -> tuple[bytearray, str, int, int]:
        entry = self.dates.get(born.toordinal())
        if entry is None:
            prefix = f"{born.day:02d}{born.month + 80:02d}{born.year % 100:02d}"
            digits = [int(ch) for ch in prefix]
            sum1 = sum(w * d for w, d in zip(W1, digits, strict=False))
            sum2 = sum(w * d for w, d in zip(W2, digits, strict=False))
            entry = self.dates[born.toordinal()] = (bytearray(1000), prefix, sum1, sum2)
        return entry

    def issue(self, born: datetime.date) -> tuple[datetime.date, str]:
        """A new number for someone born on `born` (or a day later, should that date be full)."""
        while True:
            if not 1900 <= born.year <= 2039:
                raise ValueError("synthetic numbers cover births 1900-2039")
            low = 500 if born.year >= 2000 else 0  # the individual numbers of the century
            taken, prefix, sum1, sum2 = self._date(born)
            for _attempt in range(50):
                individual = low + self.rng.randrange(500)
                if taken[individual]:
                    continue
                taken[individual] = 1
                check1 = -(sum1 + self.part1[individual]) % 11
                if check1 == 10:
                    continue
                check2 = -(sum2 + self.part2[individual] + W2[9] * check1) % 11
                if check2 == 10:
                    continue
                return born, f"{prefix}{individual:03d}{check1}{check2}"
            born += datetime.timedelta(days=1)


# --- Streaming into PostgreSQL -------------------------------------------------------------


@dataclass
class Step:
    label: str
    rows: int
    seconds: float
    table: str = ""


class Spool:
    """The COPY lines of a table made while another table streams, kept in a temporary file
    (not in memory) until their turn."""

    def __init__(self) -> None:
        self.file = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115
        self.rows = 0

    def add(self, line: str) -> None:
        self.file.write(line + "\n")
        self.rows += 1

    def lines(self) -> Iterator[str]:
        self.file.seek(0)
        for line in self.file:
            yield line[:-1]
        self.file.close()


class Loader:
    """One psycopg connection that streams generated rows into tables with COPY."""

    def __init__(self, url: str, *, defer_indexes: bool = False) -> None:
        import psycopg

        self.conn = psycopg.connect(url)
        # Settings of this session only: its commits do not wait for the WAL flush, and index
        # builds may sort in memory. The server's configuration is unchanged.
        self.execute("SET synchronous_commit = off")
        self.execute("SET maintenance_work_mem = '1GB'")
        self.defer_indexes = defer_indexes
        self.steps: list[Step] = []

    def execute(self, query: Any, params: Any = None) -> list[Any]:
        cursor = self.conn.execute(query, params)
        rows = cursor.fetchall() if cursor.description else []
        self.conn.commit()
        return rows

    def next_id(self, model: Any) -> int:
        from psycopg import sql

        table = sql.Identifier(model._meta.db_table)
        return int(
            self.execute(sql.SQL("SELECT coalesce(max(id), 0) + 1 FROM {}").format(table))[0][0]
        )

    def _columns(self, model: Any, given: list[str]) -> tuple[list[str], str]:
        """The columns to COPY: those given, and every NOT NULL column without a database
        default, filled with its model field's default (so a column that a later migration
        adds is filled as Django would fill it)."""
        table = model._meta.db_table
        described = self.execute(
            "SELECT column_name, is_nullable, column_default, is_identity "
            "FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = %s",
            [table],
        )
        missing = set(given) - {name for name, *_rest in described}
        if missing:
            raise SystemExit(f"{table} has no column {', '.join(missing)}: run the migrations")
        fields = {f.column: f for f in model._meta.concrete_fields}
        extra, values = [], []
        for name, nullable, default, identity in described:
            if name in given or nullable == "YES" or default is not None or identity == "YES":
                continue
            value = fields[name].get_default() if name in fields else None
            if value is None:
                raise SystemExit(f"{table}.{name} is required and has no default: add it here")
            extra.append(name)
            values.append(json.dumps(value) if isinstance(value, list | dict) else row(value))
        return given + extra, "".join("\t" + v for v in values)

    def indexes(self, table: str) -> list[tuple[str, str, str | None]]:
        """The table's indexes but its primary key: (name, definition, the definition of the
        constraint it serves, if any), as PostgreSQL describes them."""
        return self.execute(
            "SELECT i.relname, pg_get_indexdef(i.oid), pg_get_constraintdef(c.oid) "
            "FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
            "LEFT JOIN pg_constraint c ON c.conindid = x.indexrelid "
            "AND c.conrelid = x.indrelid AND c.contype IN ('u', 'x') "
            "WHERE x.indrelid = %s::regclass AND NOT x.indisprimary ORDER BY i.relname",
            [table],
        )

    def drop_indexes(self, table: str) -> list[tuple[str, str, str | None]]:
        from psycopg import sql

        indexes = self.indexes(table)
        for name, _definition, constraint in indexes:
            if constraint is None:
                self.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(name)))
            else:
                self.execute(
                    sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(
                        sql.Identifier(table), sql.Identifier(name)
                    )
                )
        return indexes

    def rebuild_indexes(self, table: str, indexes: list[tuple[str, str, str | None]]) -> None:
        """Builds the indexes dropped before the load again, with the same definitions, and
        checks that the table's indexes are then exactly those it had."""
        from psycopg import sql

        for name, definition, constraint in indexes:
            if constraint is None:
                self.execute(definition)
            else:
                self.execute(
                    sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} ").format(
                        sql.Identifier(table), sql.Identifier(name)
                    )
                    + sql.SQL(constraint)
                )
        if self.indexes(table) != indexes:
            raise SystemExit(f"the indexes of {table} differ from those before the load")

    def copy(
        self,
        label: str,
        model: Any,
        columns: str,
        lines: Iterable[str],
        expected: int | None = None,
    ) -> Step:
        """Streams `lines` (rows in COPY's text format, without their newline) into the model's
        table, in the order of `columns` (names separated by spaces)."""
        from psycopg import sql

        table = model._meta.db_table
        names, suffix = self._columns(model, columns.split())
        statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, names))
        )
        end = suffix + "\n"  # the defaults of the columns not given close every line
        rows, started = 0, time.perf_counter()
        dropped = self.drop_indexes(table) if self.defer_indexes else []
        reported = started
        source = iter(lines)
        finished = False
        while not finished:
            in_transaction = 0
            with self.conn.cursor() as cursor, cursor.copy(statement) as stream:
                while in_transaction < COMMIT_EVERY:
                    chunk = list(itertools.islice(source, CHUNK))
                    if not chunk:
                        finished = True
                        break
                    stream.write(end.join(chunk) + end)
                    in_transaction += len(chunk)
                    if time.perf_counter() - reported >= REPORT_EVERY:
                        reported = time.perf_counter()
                        progress(label, rows + in_transaction, reported - started, expected)
            self.conn.commit()
            rows += in_transaction
        if dropped:
            built = time.perf_counter()
            self.rebuild_indexes(table, dropped)
            print(
                f"       {label}: indexes built again ({len(dropped)}) in "
                f"{time.perf_counter() - built:.1f} s, the same as before",
                flush=True,
            )
        if "id" in names:  # move the sequence past the ids given
            self.execute(
                sql.SQL(
                    "SELECT setval(pg_get_serial_sequence({name}, 'id'), coalesce(max(id), 1), "
                    "max(id) IS NOT NULL) FROM {table}"
                ).format(name=sql.Literal(table), table=sql.Identifier(table))
            )
        seconds = time.perf_counter() - started
        progress(label, rows, seconds, expected, done=True)
        step = Step(label, rows, seconds, table)
        self.steps.append(step)
        return step


def progress(
    label: str, rows: int, seconds: float, expected: int | None = None, done: bool = False
) -> None:
    rate = f"{rows / seconds:>10,.0f} rows/s" if seconds > 0 else ""
    share = f" {100 * rows / expected:5.1f} %" if expected else ""
    mark = "done" if done else "    "
    print(f"  {mark} {label:<26}{rows:>13,} rows {rate:>17} {seconds:>8.1f} s{share}", flush=True)


# --- The data set --------------------------------------------------------------------------


@dataclass
class CaseSeed:
    """A child chosen for an open case while the persons streamed."""

    person_id: int
    municipality: Municipality
    age: int
    guardians: tuple[int, ...]


@dataclass
class OpenCase:
    """What the log and audit passes need of a case: a few numbers, not its rows."""

    id: int
    person_id: int
    plan_id: int
    level: int
    opened_days_ago: int
    team: list[tuple[int, int, str]]  # (user id, organisation id, sector)
    municipality: Municipality
    first_log_id: int = 0
    log_entries: int = 0


class NationalDataset:
    def __init__(self, loader: Loader, scale: float, seed: int) -> None:
        from samhandling.demo.management.commands import seed_demo
        from samhandling.organisations.models import Region, Sector

        self.loader, self.scale, self.seed = loader, scale, seed
        self.given_names, self.adult_names = seed_demo.GIVEN_NAMES, seed_demo.ADULT_GIVEN_NAMES
        self.family_names = seed_demo.FAMILY_NAMES
        words = [
            *self.given_names,
            *self.adult_names,
            *self.family_names,
            *SENTENCES,
            *GOALS,
            *MEASURES,
            *PURPOSES,
            *STREETS,
            *CHILDS_WORDS,
            *SERVICE_NAMES.values(),
        ]
        assert not any(ch in w for w in words for ch in "\t\n\r\\\x1f"), "a word needs escaping"
        self.sectors: list[str] = list(Sector.values)
        self.year, population = read_population()
        regions = {r.code: r for r in Region.objects.filter(country="NO", kind="municipality")}
        self.municipalities = [
            Municipality(
                code, regions[code].pk, regions[code].short_name or regions[code].name, ages
            )
            for code, ages in sorted(population.items())
            if code in regions
        ]
        young = [sum(m.ages) for m in self.municipalities]
        children = apportion(round(sum(young) * scale), young)
        cases = apportion(round(OPEN_CASES * scale), children)
        for m, n, c in zip(self.municipalities, children, cases, strict=True):
            m.children = max(n, 1)  # every municipality has someone
            m.cases = min(c, m.children)
        self.users: dict[int, tuple[str, str]] = {}  # user id -> (full name, role)
        self.organisation_names: dict[int, str] = {}
        self.case_seeds: list[CaseSeed] = []
        self.cases: list[OpenCase] = []
        self.persons_loaded = 0

    def rng(self, part: str) -> random.Random:
        """A random generator of its own per part, so that the parts do not shift each other."""
        return random.Random(f"{self.seed}-{part}")

    # Services and professionals ----------------------------------------------------------

    def services(self) -> None:
        from samhandling.organisations.models import Organisation

        ids = itertools.count(self.loader.next_id(Organisation))

        def lines() -> Iterator[str]:
            for m in self.municipalities:
                for sector in self.sectors:
                    pk = m.services[sector] = next(ids)
                    name = self.organisation_names[pk] = (
                        f"{m.name} {SERVICE_NAMES.get(sector, sector)}"
                    )
                    yield row(pk, name, "service", sector, m.region_id, "")

        self.loader.copy(
            "organisations (services)",
            Organisation,
            "id name kind sector municipality_id short_name",
            lines(),
        )

    def team_load(self) -> dict[str, float]:
        """Team places per open case that each sector fills on average: the lead service by
        the child's age, the other members drawn evenly from the other sectors (open_cases)."""
        by_age = [sum(m.ages[age] for m in self.municipalities) for age in range(25)]
        lead = dict.fromkeys(self.sectors, 0.0)
        for age, n in enumerate(by_age):
            lead[lead_sector(age)] += n / sum(by_age)
        others = sum(w * (sum(TEAM_SIZE[level]) / 2 - 1) for level, w in enumerate(LEVEL_WEIGHTS))
        share = others / sum(LEVEL_WEIGHTS) / (len(self.sectors) - 1)
        return {s: lead[s] + (1 - lead[s]) * share for s in self.sectors}

    def professionals(self) -> None:
        from samhandling.accounts.models import User
        from samhandling.organisations.models import Membership

        rng = self.rng("professionals")
        user_ids = itertools.count(self.loader.next_id(User))
        membership_ids = itertools.count(self.loader.next_id(Membership))
        memberships = Spool()
        joined = stamp(HISTORY_DAYS, 8 * 3600)
        load = self.team_load()

        def lines() -> Iterator[str]:
            for m in self.municipalities:
                for sector, organisation in m.services.items():
                    working = max(1, round(m.cases * load[sector] / CASES_PER_PROFESSIONAL))
                    m.professionals[sector] = []
                    for n in range(1 + working):  # a service leader, then who works in cases
                        pk = next(user_ids)
                        given, family = rng.choice(self.adult_names), rng.choice(self.family_names)
                        role, title = (
                            ("professional", "Rådgiver") if n else ("service_leader", "Leder")
                        )
                        self.users[pk] = (f"{given} {family}", role)
                        if n:
                            m.professionals[sector].append(pk)
                        memberships.add(
                            row(next(membership_ids), pk, organisation, role, title, True)
                        )
                        # An unusable password: professionals of the data set cannot sign in.
                        yield row(
                            pk,
                            "!national-dataset",
                            None,
                            False,
                            f"nat-{m.code}-{pk}",
                            given,
                            family,
                            "",
                            False,
                            True,
                            joined,
                        )

        self.loader.copy(
            "users (professionals)",
            User,
            "id password last_login is_superuser username first_name last_name "
            "email is_staff is_active date_joined",
            lines(),
        )
        self.loader.copy(
            "memberships",
            Membership,
            "id user_id organisation_id role title is_active",
            memberships.lines(),
            memberships.rows,
        )

    # Persons and families ----------------------------------------------------------------

    def persons(self) -> None:
        from samhandling.people.identity import validate_national_id
        from samhandling.people.models import FamilyRelation, Person

        rng = self.rng("persons")
        numbers = IdentityNumbers(self.rng("identity-numbers"))
        person_ids = itertools.count(self.loader.next_id(Person))
        relation_ids = itertools.count(self.loader.next_id(FamilyRelation))
        relations = Spool()
        made: list[str] = []
        checked = 0

        def person(
            m: Municipality,
            given: str,
            family: str,
            born: datetime.date,
            protection: str,
            address: str,
            registered: str,
        ) -> int:
            nonlocal checked
            born, number = numbers.issue(born)
            if checked < 1000:  # the fast checksums agree with people.identity
                validate_national_id(number, country="NO", date_of_birth=born, synthetic_only=True)
                checked += 1
            pk = next(person_ids)
            made.append(
                f"{pk}\t{given}\t{family}\t{born.isoformat()}\tNO\t{number}\t{m.region_id}"
                f"\t{rng.choice(LANGUAGES)}\t{protection}\t{address}\t{m.name}"
                f"\t{registered}"
            )
            return pk

        def relate(child: int, relative: int, kind: str, responsible: bool, region: int) -> None:
            relations.add(row(next(relation_ids), child, relative, kind, responsible, region))

        def lines() -> Iterator[str]:
            for index, m in enumerate(self.municipalities):
                registered = stamp(HISTORY_DAYS - index % 300, 6 * 3600)  # when it joined
                counts = apportion(m.children, m.ages)
                ages = [age for age, n in enumerate(counts) for _ in range(n)]
                rng.shuffle(ages)
                left, cases_left = len(ages), m.cases
                while ages:
                    size = min(rng.choice((1, 1, 2, 2, 3)), len(ages))
                    kids_ages = [ages.pop() for _ in range(size)]
                    family = rng.choice(self.family_names)
                    roll = rng.random()
                    protection = (
                        "strict" if roll < 0.015 else "confidential" if roll < 0.04 else "none"
                    )
                    # street address, postcode
                    address = (
                        f"{rng.choice(STREETS)} {rng.randint(1, 120)}\t{rng.randint(1000, 9999)}"
                    )
                    kids = []
                    for age in kids_ages:
                        born = REFERENCE_DAY - datetime.timedelta(
                            days=age * 365 + rng.randint(0, 364)
                        )
                        given = rng.choice(self.given_names)
                        kids.append(
                            (person(m, given, family, born, protection, address, registered), age)
                        )
                    oldest = REFERENCE_DAY - datetime.timedelta(days=max(kids_ages) * 365 + 364)
                    parents = []
                    for _parent in range(rng.choice((1, 2, 2, 2))):
                        born = oldest - datetime.timedelta(days=rng.randint(20 * 365, 38 * 365))
                        given = rng.choice(self.adult_names)
                        parents.append(
                            person(m, given, family, born, protection, address, registered)
                        )
                    for kid, age in kids:
                        for parent in parents:
                            relate(kid, parent, "parent", False, m.region_id)
                            if age < 18:
                                relate(kid, parent, "guardian", True, m.region_id)
                        for sibling, _age in kids:
                            if sibling != kid:
                                relate(kid, sibling, "sibling", False, m.region_id)
                        # Selection sampling: exactly m.cases of the children get a case.
                        if rng.random() * left < cases_left:
                            guardians = tuple(parents) if age < 18 else ()
                            self.case_seeds.append(CaseSeed(kid, m, age, guardians))
                            cases_left -= 1
                        left -= 1
                    yield from made
                    made.clear()

        step = self.loader.copy(
            "persons",
            Person,
            "id given_name family_name date_of_birth id_country national_id "
            "municipality_id preferred_language address_protection "
            "street_address postcode post_town created_at",
            lines(),
        )
        self.persons_loaded = step.rows
        self.loader.copy(
            "family relations",
            FamilyRelation,
            "id person_id relative_id kind parental_responsibility municipality_id",
            relations.lines(),
            relations.rows,
        )

    # Open cases --------------------------------------------------------------------------

    def open_cases(self) -> None:
        from samhandling.access.models import Consent
        from samhandling.coordination.models import (
            Case,
            FamilyParticipant,
            Goal,
            Measure,
            Plan,
            TeamMember,
        )

        rng = self.rng("cases")
        services, professionals = Consent.services.through, Consent.professionals.through
        models = (
            Case,
            TeamMember,
            FamilyParticipant,
            Plan,
            Goal,
            Measure,
            Consent,
            services,
            professionals,
        )
        ids = {model: itertools.count(self.loader.next_id(model)) for model in models}
        spools = {model: Spool() for model in models[1:]}

        def add(model: Any, *values: object) -> None:
            spools[model].add(row(next(ids[model]), *values))

        def lines() -> Iterator[str]:
            for seed in self.case_seeds:
                m, child = seed.municipality, seed.person_id
                region = m.region_id
                pk, plan = next(ids[Case]), next(ids[Plan])
                level = rng.choices(range(4), LEVEL_WEIGHTS)[0]
                lead = lead_sector(seed.age)
                sectors = [
                    lead,
                    *rng.sample(
                        [s for s in self.sectors if s != lead], rng.randint(*TEAM_SIZE[level]) - 1
                    ),
                ]
                team = [(rng.choice(m.professionals[s]), m.services[s], s) for s in sectors]
                coordinator, coordinator_service, _lead = team[0]
                opened = rng.randint(1, 730)
                opened_at = stamp(opened, rng.randint(7 * 3600, 15 * 3600))
                yield row(
                    pk,
                    region,
                    child,
                    level,
                    "open",
                    coordinator,
                    coordinator_service,
                    False,
                    coordinator,
                    opened_at,
                    None,
                    "",
                    None,
                    None,
                    1,
                )
                for user, organisation, _sector in team:
                    add(TeamMember, region, pk, organisation, user, "", opened_at, None)
                add(FamilyParticipant, region, pk, child, "barnet")
                for guardian in seed.guardians:
                    add(FamilyParticipant, region, pk, guardian, "foresatt")
                spools[Plan].add(row(plan, region, pk, 1, opened_at, coordinator, ""))
                for _goal in range(rng.randint(1, 3)):
                    goal = next(ids[Goal])
                    words = rng.choice(CHILDS_WORDS) if rng.random() < 0.5 else ""
                    spools[Goal].add(
                        row(
                            goal,
                            region,
                            plan,
                            coordinator_service,
                            lead,
                            "team",
                            "[]",
                            True,
                            coordinator,
                            opened_at,
                            rng.choice(GOALS),
                            words,
                            "active",
                        )
                    )
                    for _measure in range(rng.randint(1, 2)):
                        user, organisation, sector = rng.choice(team)
                        starts = rng.randint(0, opened)
                        ends = day(starts - rng.randint(30, 365))
                        add(
                            Measure,
                            region,
                            plan,
                            organisation,
                            sector,
                            "team",
                            "[]",
                            True,
                            user,
                            opened_at,
                            goal,
                            rng.choice(MEASURES),
                            organisation,
                            user,
                            day(starts),
                            ends,
                            "Hver uke",
                            "ongoing" if starts else "planned",
                        )
                consent = next(ids[Consent])
                given_by = seed.guardians[0] if seed.guardians else child  # 18 or older: self
                form = rng.choice(("written", "digital", "oral"))
                valid_to = day(opened - 365) if rng.random() < 0.3 else None
                team_sectors = json.dumps(sorted({s for _u, _o, s in team}))
                spools[Consent].add(
                    row(
                        consent,
                        region,
                        pk,
                        child,
                        given_by,
                        form,
                        rng.choice(PURPOSES),
                        team_sectors,
                        day(opened),
                        valid_to,
                        coordinator,
                        opened_at,
                        None,
                        "",
                    )
                )
                for organisation in sorted({o for _u, o, _s in team}):
                    add(services, consent, organisation)
                if rng.random() < 0.3:
                    add(professionals, consent, coordinator)
                self.cases.append(OpenCase(pk, child, plan, level, opened, team, m))
            self.case_seeds.clear()

        plan_item = (
            "id municipality_id plan_id service_id sector visibility visible_sectors "
            "family_visible created_by_id created_at"
        )
        self.loader.copy(
            "cases",
            Case,
            "id municipality_id person_id level status coordinator_id "
            "coordinator_service_id is_statutory_child_coordinator opened_by_id "
            "opened_at closed_at close_reason close_requested_by_id previous_case_id "
            "version",
            lines(),
            len(self.case_seeds),
        )
        for label, model, columns in [
            (
                "team members",
                TeamMember,
                "id municipality_id case_id organisation_id user_id role joined_at left_at",
            ),
            ("family participants", FamilyParticipant, "id municipality_id case_id person_id role"),
            ("plans", Plan, "id municipality_id case_id version updated_at updated_by_id summary"),
            ("goals", Goal, f"{plan_item} title childs_words status"),
            (
                "measures",
                Measure,
                f"{plan_item} goal_id title responsible_service_id responsible_user_id starts ends "
                "frequency status",
            ),
            (
                "consents",
                Consent,
                "id municipality_id case_id person_id given_by_id form purpose sectors valid_from "
                "valid_to recorded_by_id recorded_at withdrawn_at withdrawn_reason",
            ),
            ("consent services", services, "id consent_id organisation_id"),
            ("consent professionals", professionals, "id consent_id user_id"),
        ]:
            self.loader.copy(label, model, columns, spools[model].lines(), spools[model].rows)

    # Log entries -------------------------------------------------------------------------

    def log_entries(self) -> None:
        from samhandling.coordination.models import LogEntry

        rng = self.rng("log")
        total = round(LOG_ENTRIES * self.scale)
        counts = apportion(total, [LOG_WEIGHT[c.level] * rng.randint(50, 150) for c in self.cases])
        texts = [" ".join(rng.sample(SENTENCES, rng.randint(2, 6))) for _ in range(500)]
        first = self.loader.next_id(LogEntry)

        def lines() -> Iterator[str]:
            pk = first
            for case, count in zip(self.cases, counts, strict=True):
                case.first_log_id, case.log_entries = pk, count
                team, region = case.team, case.municipality.region_id
                dates = sorted(
                    (rng.randint(0, case.opened_days_ago) for _ in range(count)), reverse=True
                )
                for days_ago in dates:  # oldest first
                    author, service, sector = team[rng.randrange(len(team))]
                    roll = rng.random()
                    visibility, visible = "team", "[]"
                    if roll > 0.9 or (roll > 0.8 and len(team) == 1):
                        visibility = "service"
                    elif roll > 0.8:
                        visibility = "sectors"
                        visible = f'["{team[rng.randrange(len(team))][2]}"]'
                    words = CHILDS_WORDS[pk % 3] if roll < 0.05 else ""
                    created = stamp(days_ago, 28_800 + rng.randrange(32_400))
                    yield (
                        f"{pk}\t{region}\t{case.id}\t{LOG_KINDS[pk % len(LOG_KINDS)]}"
                        f"\t{texts[rng.randrange(500)]}\t{words}\t{day(days_ago)}\t{author}"
                        f"\t{service}\t{sector}\t{visibility}\t{visible}"
                        f"\t{'t' if roll < 0.1 else 'f'}\tf\t\\N\t{created}"
                    )
                    pk += 1

        self.loader.copy(
            "log entries",
            LogEntry,
            "id municipality_id case_id kind text childs_words occurred_on "
            "author_id service_id sector visibility visible_sectors family_visible "
            "hidden_from_guardians replaces_id created_at",
            lines(),
            total,
        )

    # Audit events ------------------------------------------------------------------------

    def audit_events(self) -> int:
        """What the team members did over the last year (the case page, the plan, persons, new
        entries, changes, a refused look at a case outside one's teams, sign-ins), appended to
        the existing chain with the hashes audit.services computes. Returns the chain's length."""
        from samhandling.audit.models import AuditEvent

        rng = self.rng("audit")
        total = round(AUDIT_EVENTS * self.scale)
        head = self.loader.execute("SELECT sequence, hash FROM audit_chainhead WHERE id = 1")
        sequence, previous = int(head[0][0]), str(head[0][1])
        start = (HISTORY_DAYS - AUDIT_SPAN_DAYS) * DAY_US  # microseconds after DAYS[0]
        step = max(1, AUDIT_SPAN_DAYS * DAY_US // max(total, 1))
        users, organisations, cases = self.users, self.organisation_names, self.cases
        sha256 = hashlib.sha256

        def lines() -> Iterator[str]:
            nonlocal sequence, previous
            made = 0
            while made < total:
                case = cases[rng.randrange(len(cases))]
                user, organisation, _sector = case.team[rng.randrange(len(case.team))]
                case_id, person, region = case.id, case.person_id, case.municipality.region_id
                granted, reason = "granted", "member of the team"
                roll = rng.random()
                if roll < 0.45:  # the case page: the case and its newest entries
                    newest = case.first_log_id + case.log_entries - 1
                    shown = min(case.log_entries, rng.randint(0, 3))
                    events = [("view", "coordination.case", case_id, "case page")]
                    events += [
                        ("view", "coordination.logentry", newest - k, "case page")
                        for k in range(shown)
                    ]
                elif roll < 0.60:
                    events = [("view", "coordination.plan", case.plan_id, "plan")]
                elif roll < 0.72:
                    events = [("view", "people.person", person, "")]
                    reason = "works with the person in a case"
                elif roll < 0.82 and case.log_entries:
                    entry = case.first_log_id + rng.randrange(case.log_entries)
                    events = [("create", "coordination.logentry", entry, "")]
                    reason = "entry of my service"
                elif roll < 0.90:
                    events = [("update", "coordination.case", case_id, "")]
                elif roll < 0.95:  # a professional of a service outside the team tries the case
                    m = case.municipality
                    outside = [s for s in self.sectors if all(s != t[2] for t in case.team)]
                    sector = outside[rng.randrange(len(outside))]
                    user, organisation = rng.choice(m.professionals[sector]), m.services[sector]
                    events = [("view", "coordination.case", case_id, "case page")]
                    granted, reason = "refused", "no case of yours concerns this person"
                else:
                    events = [("login", "", "", "")]
                name, role = users[user]
                organisation_name = organisations[organisation]
                request = f"{rng.getrandbits(128):032x}"
                jitter = rng.randrange(step)
                for action, object_type, object_id, purpose in events:
                    if made >= total:
                        break
                    sequence += 1
                    days, moment = divmod(start + made * step + jitter, DAY_US)
                    moment = OFFICE_OPENS + moment * OFFICE_HOURS // 24  # still in order
                    seconds, micro = divmod(moment, 1_000_000)
                    hours, seconds = divmod(seconds, 3600)
                    clock = f"{hours:02d}:{seconds // 60:02d}:{seconds % 60:02d}.{micro:06d}"
                    at = f"{DAYS[days]}T{clock}+00:00"
                    # The fields of AuditEvent.CONTENT_FIELDS; a sign-in is about no one.
                    fields = [
                        at,
                        user,
                        name,
                        role,
                        organisation,
                        organisation_name,
                        action,
                        granted,
                        object_type,
                        object_id,
                        person,
                        region,
                        purpose,
                        reason,
                        request,
                        "web",
                    ]
                    if action == "login":
                        fields[10:14] = [None, None, "", ""]
                    content = SEP.join("" if f is None else str(f) for f in fields)
                    digest = sha256(f"{sequence}{SEP}{content}{SEP}{previous}".encode()).hexdigest()
                    yield f"{sequence}\t{row(*fields)}\t{previous}\t{digest}"
                    previous = digest
                    made += 1

        self.loader.copy(
            "audit events",
            AuditEvent,
            " ".join(["sequence", *AuditEvent.CONTENT_FIELDS, "previous_hash", "hash"]),
            lines(),
            total,
        )
        self.loader.execute(
            "UPDATE audit_chainhead SET sequence = %s, hash = %s WHERE id = 1", [sequence, previous]
        )
        return sequence


# --- Running it ----------------------------------------------------------------------------


def timed(steps: list[Step], label: str, action: Any) -> Any:
    started = time.perf_counter()
    print(f"  ...  {label}", flush=True)
    result = action()
    steps.append(Step(label, 0, time.perf_counter() - started))
    print(f"  done {label:<26}{'':>36} {steps[-1].seconds:>8.1f} s", flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=0.01, help="1.0 = the whole country")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--verify", action="store_true", help="walk the audit chain at the end")
    parser.add_argument(
        "--defer-indexes",
        action="store_true",
        help="load each table without its secondary indexes, then build the same ones again",
    )
    args = parser.parse_args()
    url = os.environ["DATABASE_URL"]
    if not url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("The national data set is for PostgreSQL (DATABASE_URL=postgres://...).")
    if not 1 / OPEN_CASES <= args.scale <= 1:
        raise SystemExit(f"--scale is between {1 / OPEN_CASES} (one open case) and 1.")
    Path(os.environ["AUDIT_CHECKPOINT_PATH"]).unlink(missing_ok=True)  # of the old database

    started = time.perf_counter()
    steps: list[Step] = []
    print(
        f"national data set, scale {args.scale}, seed {args.seed}, "
        f"database {url.rsplit('/', 1)[1]}"
        f"{', indexes built after the load' if args.defer_indexes else ''}",
        flush=True,
    )
    timed(steps, "drop and create database", ensure_database)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from samhandling.audit import services as audit

    timed(steps, "migrate", lambda: call_command("migrate", verbosity=0))
    with open(os.devnull, "w") as quiet:
        timed(steps, "load_regions", lambda: call_command("load_regions", stdout=quiet))
    connection.close()

    loader = Loader(url, defer_indexes=args.defer_indexes)
    dataset = NationalDataset(loader, args.scale, args.seed)
    print(
        f"  population 0-24 in {dataset.year}, at this scale: "
        f"{sum(m.children for m in dataset.municipalities):,} in "
        f"{len(dataset.municipalities)} municipalities",
        flush=True,
    )
    dataset.services()
    dataset.professionals()
    dataset.persons()
    dataset.open_cases()
    dataset.log_entries()
    length = dataset.audit_events()
    timed(steps, "analyze", lambda: loader.execute("ANALYZE"))
    timed(steps, "audit checkpoint", audit.write_checkpoint)
    total = time.perf_counter() - started
    if args.verify:
        result = timed(steps, "verify audit chain", audit.verify_chain)
        if not result.intact:
            raise SystemExit(f"audit chain broken at {result.first_bad_sequence}: {result.problem}")
    report(loader, dataset, args, steps, total, length)


def report(
    loader: Loader,
    dataset: NationalDataset,
    args: argparse.Namespace,
    steps: list[Step],
    total: float,
    length: int,
) -> None:
    size = loader.execute("SELECT pg_database_size(current_database())")[0][0]
    table_sizes = dict(
        loader.execute(
            "SELECT c.relname, pg_total_relation_size(c.oid) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = current_schema() AND c.relkind = 'r'"
        )
    )
    persons = dataset.persons_loaded
    deferred = ", indexes built after the load" if args.defer_indexes else ""
    print(f"\nsummary: scale {args.scale}, seed {args.seed}{deferred}")
    print(f"  {'step':<28}{'rows':>13} {'seconds':>9} {'rows/s':>10} {'table + indexes':>16}")
    for step in [*steps[:3], *loader.steps, *steps[3:]]:
        rows = f"{step.rows:>13,}" if step.rows else ""
        rate = f"{step.rows / step.seconds:>10,.0f}" if step.rows and step.seconds else ""
        table = table_sizes.get(step.table)
        shown = f"{table / 2**20:>12,.1f} MiB" if table is not None else ""
        print(f"  {step.label:<28}{rows:>13} {step.seconds:>9.1f} {rate:>10} {shown:>16}")
    print(f"  total {total:,.1f} s ({total / 60:.1f} min), without the verification")
    if args.verify:
        seconds = steps[-1].seconds
        print(
            f"  audit chain intact: {length:,} events verified in {seconds:,.1f} s "
            f"({length / seconds:,.0f} events/s)"
        )
    print(
        f"  database size {size / 2**30:,.2f} GiB for {persons:,} persons: "
        f"{size / 2**30 / (persons / 1e6):,.2f} GiB per million persons"
    )


if __name__ == "__main__":
    main()
