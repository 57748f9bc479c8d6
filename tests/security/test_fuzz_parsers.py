"""Every parser of outside input, fed generated input (hypothesis): identity numbers, the
statistics importers (JSON-stat and CSV), the catalogue import (JSON and CSV), the search boxes
and the upload pages.

What each must do with anything at all: answer with its documented error or a list of problems,
never raise anything else, never answer 500, and write nothing when there is a problem. Inputs
are both arbitrary (bytes, JSON, unicode with NUL bytes and the metacharacters of SQL and
tsquery) and nearly valid (a real file with some parts replaced), which is what reaches the
deeper checks. The number of inputs per test is its `max_examples` (docs/fuzzing.md).
"""

from __future__ import annotations

import csv
import datetime
import io
import json
import os
import random
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import QueryDict
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from stdnum.no import fodselsnummer

from samhandling.accounts.models import User
from samhandling.catalogue import interchange
from samhandling.catalogue import selectors as catalogue
from samhandling.catalogue.filters import (
    MAX_QUERY,
    CatalogueSearch,
    InitiativeFilter,
    InstrumentFilter,
    NetworkFilter,
    PracticeFilter,
    ResourceFilter,
)
from samhandling.catalogue.kinds import KINDS
from samhandling.catalogue.models import PracticeTranslation, Revision
from samhandling.insight import importers
from samhandling.insight.importers import jsonstat
from samhandling.insight.models import ImportBatch, Indicator, Observation, ObservationRevision
from samhandling.insight.views.imports import MAX_UPLOAD_BYTES
from samhandling.organisations.actors import Actor, actor_for
from samhandling.organisations.models import Organisation, Region, Role
from samhandling.people import selectors as people
from samhandling.people.identity import (
    COUNTRIES,
    is_synthetic_norwegian,
    synthetic_norwegian_id,
    validate_national_id,
)
from samhandling.people.models import Person

pytestmark = pytest.mark.django_db

# The number of inputs per test (each times FUZZ_SCALE, 1 in `make test`).
SCALE = int(os.environ.get("FUZZ_SCALE", "1"))
IDENTITY_EXAMPLES = 500
IMPORT_EXAMPLES = 100
SEARCH_EXAMPLES = 60
UPLOAD_EXAMPLES = 5


def bounded(examples: int) -> Any:
    """At most `examples` inputs (times FUZZ_SCALE, for the long run in docs/fuzzing.md)."""
    return settings(
        max_examples=examples * SCALE, deadline=None, database=None,
        # A loaded machine makes generation slow; that is no finding about the parsers.
        suppress_health_check=list(HealthCheck),
    )  # fmt: skip


# Text a person (or an attacker) could type: any unicode, with NUL, the metacharacters of SQL,
# LIKE and tsquery, and now and then something very long.
META = "\x00&|!():*'\\\"%_;-<>~@#"
typed = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.sampled_from(META) | st.characters(codec="utf-8"), max_size=40),
    st.text(alphabet=META, min_size=1, max_size=10),
    st.integers(1, 20).map(lambda n: "a' OR 1=1 -- " * n),
    st.integers(200, 5000).map(lambda n: "ø" * n),
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


# --- identity numbers ------------------------------------------------------------------------

ERROR_CODES = {"unknown_country", "length", "format", "checksum", "date", "birth_date_mismatch",
               "not_synthetic"}  # fmt: skip
birth_dates = st.dates(datetime.date(1900, 1, 1), datetime.date(2039, 12, 31))
# Synthetic numbers as people write them: whole, or with a separator after the date.
written_numbers = st.builds(
    lambda born, seed, separator: synthetic_norwegian_id(born, random.Random(seed))[:6]
    + separator + synthetic_norwegian_id(born, random.Random(seed))[6:],
    birth_dates, st.integers(0, 2**32), st.sampled_from(["", " ", ":", "-", "\x00", "\n"]),
)  # fmt: skip


@given(
    number=st.text(max_size=20)
    | st.text(alphabet="0123456789 -+.:AXYTab", max_size=14)
    | written_numbers,
    country=st.sampled_from([*COUNTRIES, "XX", "", "no"]),
    born=st.none() | birth_dates,
    synthetic_only=st.booleans(),
)
@example(number="010180\x0012345", country="NO", born=None, synthetic_only=False)
@example(number="٠١٨٢١٢٠٠٠٠٠", country="NO", born=None, synthetic_only=False)
@bounded(IDENTITY_EXAMPLES)
def test_any_text_is_an_identity_number_or_says_what_is_wrong(
    number: str, country: str, born: datetime.date | None, synthetic_only: bool
) -> None:
    try:
        compact = validate_national_id(
            number, country=country, date_of_birth=born, synthetic_only=synthetic_only
        )
    except ValidationError as error:
        assert error.code in ERROR_CODES
        return
    assert compact.isascii() and compact.isprintable()
    assert validate_national_id(compact, country=country) == compact  # compact is a fixed point


@given(born=birth_dates, seed=st.integers(0, 2**32))
@bounded(IDENTITY_EXAMPLES)
def test_every_synthetic_number_is_valid_and_synthetic(born: datetime.date, seed: int) -> None:
    number = synthetic_norwegian_id(born, random.Random(seed))
    assert is_synthetic_norwegian(number)
    assert validate_national_id(number, country="NO", date_of_birth=born,
                                synthetic_only=True) == number  # fmt: skip


def real_looking(born: datetime.date, individual: int, variant: str = "") -> str | None:
    """A Norwegian number of a real person's shape: a fødselsnummer, a D-number (day + 40) or an
    H-number (month + 40); None when no check digits can be made for this individual number."""
    day = born.day + 40 if variant == "D" else born.day
    month = born.month + 40 if variant == "H" else born.month
    base = f"{day:02d}{month:02d}{born.year % 100:02d}{individual:03d}"
    check1 = fodselsnummer.calc_check_digit1(base)
    check2 = fodselsnummer.calc_check_digit2(base + check1) if len(check1) == 1 else "10"
    return base + check1 + check2 if len(check1) == len(check2) == 1 else None


@given(born=birth_dates, offset=st.integers(0, 499), variant=st.sampled_from(["", "D", "H"]))
@bounded(IDENTITY_EXAMPLES)
def test_a_real_looking_number_is_refused_where_only_synthetic_ones_are_allowed(
    born: datetime.date, offset: int, variant: str
) -> None:
    individual = offset if born.year < 2000 else 500 + offset  # the century rules
    number = real_looking(born, individual, variant)
    if number is None:
        return
    assert validate_national_id(number, country="NO", date_of_birth=born) == number
    with pytest.raises(ValidationError) as refused:
        validate_national_id(number, country="NO", date_of_birth=born, synthetic_only=True)
    assert refused.value.code == "not_synthetic"


@given(born=st.dates(datetime.date(1950, 1, 1), datetime.date(2025, 12, 31)),
       offset=st.integers(0, 499))  # fmt: skip
@bounded(30)
def test_in_demo_mode_a_person_is_never_stored_with_a_real_looking_number(
    born: datetime.date, offset: int, skien: Region, settings: Any
) -> None:
    settings.DEMO_MODE = True
    number = real_looking(born, offset if born.year < 2000 else 500 + offset)
    if number is None:
        return
    person = Person(given_name="Ola", family_name="Nordmann", date_of_birth=born,
                    municipality=skien, national_id=number)  # fmt: skip
    with pytest.raises(ValidationError) as refused:
        person.full_clean()
    assert "national_id" in refused.value.message_dict


# --- the statistics importers ---------------------------------------------------------------

INDICATOR = "population_0_24"
SOURCE_CODE = "Personer1"
REGION_CODES = ["4003", "4001", "40", "NO", "0", "9999", "0301"]
PERIODS = ["2024", "2025", "2024Q3", "2024K2", "2024M07", "2022-2024", "2024/25", "2011-01-01"]
NUMBERS = ["1", "2,5", " 16 000 ", "-0", "1e11", "999999999999.9999999", "999999999999.999999",
           "1e12", "NaN", "Infinity", "1E-999999999", "0x10", "1_000", "٣"]  # fmt: skip
STATUSES = ["", "missing", "suppressed", "uncertain", ".", "..", "...", ":", "u", "x"]


# A dataset with one valid value, as SSB's API gives it.
JSONSTAT = json.dumps({
    "version": "2.0", "class": "dataset", "id": ["Region", "Tid", "ContentsCode"],
    "size": [1, 1, 1], "role": {"geo": ["Region"], "time": ["Tid"], "metric": ["ContentsCode"]},
    "dimension": {"Region": {"category": {"index": ["4003"]}},
                  "Tid": {"category": {"index": ["2024"]}},
                  "ContentsCode": {"category": {"index": [INDICATOR]}}},
    "value": [16000],
}).encode()  # fmt: skip


@pytest.fixture
def indicator(regions: None) -> Indicator:
    return Indicator.objects.create(
        code=INDICATOR, name_nb="Barn og unge 0–24 år", name_en="Children and youth 0–24",
        topic="population", unit="count", decimals=0, publisher="SSB", source_table="07459",
        source_codes=[SOURCE_CODE],
    )  # fmt: skip


def statistics() -> tuple[int, int]:
    return Observation.objects.count(), ObservationRevision.objects.count()


def imports_all_or_nothing(content: bytes, name: str) -> None:
    """What the import task does with a file: import all of it, or nothing and say why."""
    before = statistics()
    result = importers.load(content, name)
    assert result.batch is not None
    result.batch.refresh_from_db()
    if result.ok:
        assert result.batch.state == ImportBatch.State.DONE
        assert statistics()[0] == before[0] + result.created
    else:
        assert result.batch.state == ImportBatch.State.FAILED
        assert statistics() == before
        assert all(problem.message for problem in result.errors)


@given(content=st.binary(max_size=300), name=st.sampled_from(["x.csv", "x.json", "x", ""]))
@example(content=b'{"version": "2.0", "class": "dataset", "value": [' + b"1" * 5000 + b"]}",
         name="long-number.json")  # fmt: skip
@example(content=b"[" * 100_000, name="deep.json")
@example(content=b"\xef\xbb\xbf{", name="")
@bounded(IMPORT_EXAMPLES)
def test_any_bytes_import_all_or_nothing(content: bytes, name: str, indicator: Indicator) -> None:
    imports_all_or_nothing(content, name)


@given(document=json_values)
@bounded(IMPORT_EXAMPLES)
def test_any_json_imports_all_or_nothing(document: Any, indicator: Indicator) -> None:
    imports_all_or_nothing(json.dumps(document).encode(), "any.json")


def codes(known: list[str], size: int = 12) -> st.SearchStrategy[list[str]]:
    return st.lists(st.sampled_from(known) | st.text(max_size=size), min_size=1, max_size=3,
                    unique=True)  # fmt: skip


cell_values = (
    st.none() | st.integers(-(10**15), 10**15) | st.floats() | st.sampled_from(NUMBERS)
    | st.text(max_size=12) | st.booleans()
)  # fmt: skip


@st.composite
def jsonstat_documents(draw: st.DrawFn) -> dict[str, Any]:
    """A JSON-stat 2.0 dataset in SSB's shape, with any of its parts now and then replaced."""
    dimensions = {
        "Region": draw(codes(REGION_CODES)),
        "Tid": draw(codes(PERIODS)),
        "ContentsCode": draw(codes([INDICATOR, SOURCE_CODE], 30)),
    }
    for name in draw(st.lists(st.text(min_size=1, max_size=30), max_size=2, unique=True)):
        if name not in dimensions:
            dimensions[name] = draw(st.lists(st.text(max_size=60), min_size=1, max_size=2,
                                             unique=True))  # fmt: skip
    total = 1
    for categories in dimensions.values():
        total *= len(categories)
    document: dict[str, Any] = {
        "version": "2.0",
        "class": "dataset",
        "id": list(dimensions),
        "size": [len(categories) for categories in dimensions.values()],
        "role": {"geo": ["Region"], "time": ["Tid"], "metric": ["ContentsCode"]},
        "dimension": {
            name: {"category": {"index": draw(st.sampled_from([
                categories, {code: at for at, code in enumerate(categories)}]))}}
            for name, categories in dimensions.items()
        },  # fmt: skip
        "value": draw(st.lists(cell_values, min_size=total, max_size=total)
                      | st.dictionaries(st.integers(0, total).map(str), cell_values)),
        "status": draw(st.none() | st.sampled_from(STATUSES) | st.lists(
            st.none() | st.sampled_from(STATUSES), max_size=total)),
    }  # fmt: skip
    for key in draw(st.lists(st.sampled_from([*document, "note", "link"]), max_size=2)):
        document[key] = draw(json_values)
    if draw(st.booleans()):
        return {"version": "2.0", "class": "collection",
                "link": {"item": [document, draw(json_values)]}}  # fmt: skip
    return document


@given(document=jsonstat_documents())
@example(document=json.loads(JSONSTAT) | {"note": {"0": "a\0b"}})
@example(document=json.loads(JSONSTAT) | {"value": ["999999999999.9999999"]})
@example(document=json.loads(JSONSTAT) | {
    "id": ["Region", "Tid", "ContentsCode", "Alder"], "size": [1, 1, 1, 1],
    "dimension": json.loads(JSONSTAT)["dimension"]
    | {"Alder": {"category": {"index": ["\0" * 101]}}},
})  # fmt: skip
@example(document=json.loads(JSONSTAT) | {
    "id": ["Region", "Tid", "ContentsCode", "Alder"], "size": [1, 1, 1, 1],
    "dimension": json.loads(JSONSTAT)["dimension"] | {"Alder": {"category": {"index": ["\0"]}}},
})  # fmt: skip
@bounded(IMPORT_EXAMPLES)
def test_a_nearly_valid_jsonstat_file_imports_all_or_nothing(
    document: dict[str, Any], indicator: Indicator
) -> None:
    imports_all_or_nothing(json.dumps(document).encode(), "ssb.json")


def test_a_sparse_dataset_of_more_values_than_a_file_can_hold_is_refused_at_once(
    indicator: Indicator,
) -> None:
    """60 kB of categories that multiply to ten billion cells: walked one by one, the upload
    page would be busy for most of an hour."""
    categories = [f"{code:04d}" for code in range(2200)]
    dimensions = {"Region": categories, "Tid": categories, "ContentsCode": categories}
    sparse = json.dumps({
        "version": "2.0", "class": "dataset", "id": list(dimensions), "size": [2200] * 3,
        "dimension": {name: {"category": {"index": codes}} for name, codes in dimensions.items()},
        "value": {"0": 1},
    }).encode()  # fmt: skip
    result, _rows = importers.validate(sparse, "sparse.json")
    assert not result.ok
    assert f"{jsonstat.MAX_VALUES}" in result.errors[0].message


COLUMNS = ["region", "period", "indicator", "value", "status", "breakdown", "note"]


def mostly(valid: st.SearchStrategy[Any], other: st.SearchStrategy[Any]) -> Any:
    """Three times in four a valid value, else another."""
    return st.integers(0, 3).flatmap(lambda pick: other if pick == 0 else valid)


@st.composite
def statistics_csv(draw: st.DrawFn) -> str:
    """A CSV file in the documented shape, its cells mostly valid, now and then broken."""
    optional = draw(st.lists(st.sampled_from(COLUMNS[5:]), unique=True))
    header = draw(
        mostly(
            st.permutations(COLUMNS[:5] + optional),
            st.lists(st.sampled_from(COLUMNS) | st.text(max_size=8), max_size=8),
        )
    )
    cells = {
        "region": mostly(st.sampled_from(REGION_CODES[:4]), st.text(max_size=6)),
        "period": mostly(st.sampled_from(PERIODS), st.text(max_size=10)),
        "indicator": mostly(st.sampled_from([INDICATOR, SOURCE_CODE]), st.text(max_size=10)),
        "value": mostly(
            st.sampled_from(NUMBERS) | st.decimals(allow_nan=False).map(str), st.text(max_size=10)
        ),
        "status": mostly(st.sampled_from(STATUSES), st.text(max_size=5)),
    }
    rows = draw(
        st.lists(
            st.tuples(*(cells.get(name, st.text(max_size=120)) for name in header)),
            min_size=1,
            max_size=5,
        )
    )
    delimiter = draw(st.sampled_from([",", ";"]))
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    text = out.getvalue()
    if draw(st.integers(0, 3)) == 0:  # break it somewhere
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.text(alphabet='"\r\n\x00;,', max_size=3)) + text[at:]
    return text  # fmt: skip


@given(text=statistics_csv() | st.text(max_size=200))
@example(text="region,period,indicator,value,status\n4003,2024,population_0_24,1,\0\n")
@example(text=f"region,period,indicator,value,status,note\n4003,2024,{INDICATOR},1,,a\0b\n")
@example(
    text=f"region,period,indicator,value,status,breakdown\n4003,2024,{INDICATOR},1,,{'k' * 101}\n"
)
@example(
    text=f"region,period,indicator,value,status\n4003,2024,{INDICATOR},999999999999.9999999,\n"
)
@bounded(IMPORT_EXAMPLES)
def test_any_csv_text_imports_all_or_nothing(text: str, indicator: Indicator) -> None:
    imports_all_or_nothing(text.encode(), "statistics.csv")


# --- the catalogue import ----------------------------------------------------------------------


@pytest.fixture
def editor(make_user: Callable[..., User]) -> Actor:
    udir = Organisation.objects.create(name="Utdanningsdirektoratet", short_name="Udir",
                                       kind=Organisation.Kind.DIRECTORATE)  # fmt: skip
    return actor_for(make_user(udir, Role.DIRECTORATE_EDITOR, username="fuzz_editor"))


def catalogue_rows() -> tuple[int, ...]:
    models = (*KINDS.values(), PracticeTranslation, Revision)
    return tuple(model._default_manager.count() for model in models)


def imports_catalogue_all_or_nothing(content: bytes | str, editor: Actor, kind: str = "") -> None:
    """The editor's import of a file: every entry, or nothing and every problem in its place."""
    before = catalogue_rows()
    assert interchange.check(content, kind=kind) is not None  # checking alone never raises
    result = interchange.import_catalogue(content, by=editor, kind=kind)
    if result.ok:
        assert sum(catalogue_rows()[: len(KINDS)]) == sum(before[: len(KINDS)]) + sum(
            result.created.values()
        )
    else:
        assert catalogue_rows() == before
        assert all(problem.message and str(problem) for problem in result.problems)


def field_values(column: interchange.Column) -> st.SearchStrategy[Any]:
    """Values of one field as a JSON file holds them: right, or of the wrong type."""
    right: dict[str, st.SearchStrategy[Any]] = {
        "text": typed,
        "int": st.integers(-(2**70), 2**70),
        "date": st.dates().map(str) | st.text(max_size=12),
        "ref": st.none() | st.sampled_from(["Udir", "4003", INDICATOR, "k1", "k2"]) | typed,
        "list": st.lists(st.sampled_from(["school", "nav", "all", "SE"]) | typed, max_size=3),
        "refs": st.lists(st.sampled_from(["Udir", "4003", "k1", "k2"]) | typed, max_size=3),
        "datetime": st.datetimes().map(str),
    }
    return st.one_of(right[column.type], json_values)


# A valid entry of each kind (with its key), as the export writes it.
VALID_ENTRIES: dict[str, dict[str, Any]] = {
    "instruments": {"title_nb": "Tilskudd til samarbeid", "kind": "grant_scheme",
                    "owners": ["Udir"], "sectors": ["school"], "target_groups": ["all"]},
    "networks": {"name_nb": "Nettverket", "members": ["4003"]},
    "practices": {"title": "Tidiga insatser", "country": "SE", "level": "municipal",
                  "language": "sv", "problem": "Barnen fick hjälp för sent."},
    "resources": {"title_nb": "Veileder i samarbeid", "kind": "guide"},
    "initiatives": {"title_nb": "Tidlig innsats i skolen", "municipality": "4003"},
}  # fmt: skip


@st.composite
def catalogue_entries(draw: st.DrawFn, kind: str) -> dict[str, Any]:
    """A valid entry of the kind, with up to three of its fields given other values."""
    entry: dict[str, Any] = {"key": draw(st.sampled_from(["k1", "k2"]) | st.text(max_size=10)),
                             **VALID_ENTRIES[kind]}  # fmt: skip
    for column in draw(st.lists(st.sampled_from(interchange.columns(kind)), max_size=3,
                                unique=True)):  # fmt: skip
        entry[column.name] = draw(field_values(column))
    return entry


@st.composite
def catalogue_documents(draw: st.DrawFn) -> dict[str, Any]:
    """A catalogue file in the export's shape, its entries nearly valid, and now and then a part
    of the file replaced."""
    document: dict[str, Any] = {"format": interchange.FORMAT, "version": interchange.VERSION}
    for kind in draw(st.lists(st.sampled_from(list(KINDS)), max_size=3, unique=True)):
        document[kind] = draw(st.lists(catalogue_entries(kind), max_size=2))
    for key in draw(st.lists(st.sampled_from(["format", "version", "practices", "extra"]),
                             max_size=1)):  # fmt: skip
        document[key] = draw(json_values)
    return document


@given(content=st.binary(max_size=300) | st.text(max_size=300),
       kind=st.sampled_from(["", *KINDS, "nonsense"]))  # fmt: skip
@example(content=b'{"format": "samhandling-catalogue", "version": 1, "practices": [' + b"1" * 5000
         + b"]}", kind="")  # fmt: skip
@example(content="[" * 100_000, kind="")
@bounded(IMPORT_EXAMPLES)
def test_any_bytes_or_text_import_into_the_catalogue_all_or_nothing(
    content: bytes | str, kind: str, editor: Actor
) -> None:
    imports_catalogue_all_or_nothing(content, editor, kind)


@given(document=catalogue_documents() | json_values)
@bounded(IMPORT_EXAMPLES)
def test_a_nearly_valid_catalogue_json_file_imports_all_or_nothing(
    document: Any, editor: Actor
) -> None:
    imports_catalogue_all_or_nothing(json.dumps(document), editor)


def as_cell(value: Any) -> str:
    """A value as a CSV cell holds it (a list's items joined with |)."""
    if isinstance(value, list):
        return interchange.SEPARATOR.join(str(item) for item in value)
    return "" if value is None else str(value)


@st.composite
def catalogue_csv(draw: st.DrawFn) -> tuple[str, str]:
    """A CSV file of one kind: nearly valid entries, and now and then an odd header."""
    kind = draw(st.sampled_from(list(KINDS)))
    entries = draw(st.lists(catalogue_entries(kind), max_size=3))
    header = sorted({name for entry in entries for name in entry} | {"key"})
    if draw(st.integers(0, 3)) == 0:
        header += draw(st.lists(st.text(max_size=8), min_size=1, max_size=2))
    rows = [[as_cell(entry.get(name)) for name in header] for entry in entries]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue(), kind


@given(file=catalogue_csv())
@bounded(IMPORT_EXAMPLES)
def test_a_nearly_valid_catalogue_csv_file_imports_all_or_nothing(
    file: tuple[str, str], editor: Actor
) -> None:
    text, kind = file
    imports_catalogue_all_or_nothing(text.encode(), editor, kind)


# --- search ----------------------------------------------------------------------------------


@pytest.fixture
def teacher_client(teacher: User, signed_in: Callable[[User], Client]) -> Client:
    return signed_in(teacher)


@pytest.fixture
def searcher(teacher: User, make_person: Callable[..., Person]) -> Actor:
    """The teacher, with a person to find in Skien (so that a search can match something)."""
    make_person("Åse", "O'Brien-Løvås")
    return actor_for(teacher)


@given(query=typed)
@example(query="\x00")
@example(query="Åse & !(O'Brien:*) | \\")
@bounded(SEARCH_EXAMPLES)
def test_the_person_search_takes_any_text(query: str, searcher: Actor) -> None:
    found = people.search_persons(searcher, query)
    skien = Region.objects.get(code="4003")
    assert all(person.municipality_id == skien.pk for person in found)


@given(query=typed)
@example(query="\x00")
@example(query="!(&|:*)'\\")
@bounded(SEARCH_EXAMPLES)
def test_the_catalogue_search_takes_any_text(query: str, db: None) -> None:
    for kind in KINDS.values():
        list(catalogue.search(query, kind=kind)[:5])


PARAMETERS = ["q", "sector", "kind", "owner", "age", "target_group", "open", "place", "progress",
              "country", "evidence", "language"]  # fmt: skip
FILTERS: list[tuple[type[Any], Callable[[Any], Any]]] = [
    (InstrumentFilter, catalogue.filter_instruments),
    (InitiativeFilter, catalogue.filter_initiatives),
    (NetworkFilter, catalogue.filter_networks),
    (PracticeFilter, catalogue.filter_practices),
    (ResourceFilter, catalogue.filter_resources),
]


@given(data=st.dictionaries(st.sampled_from(PARAMETERS), st.lists(typed, min_size=1, max_size=2),
                            max_size=4))  # fmt: skip
@bounded(SEARCH_EXAMPLES)
def test_the_catalogue_filters_take_any_choice(data: dict[str, list[str]], regions: None) -> None:
    query = QueryDict(mutable=True)
    for name, values in data.items():
        query.setlist(name, values)
    words = CatalogueSearch(query).query()
    assert "\x00" not in words and len(words) <= MAX_QUERY
    for form_class, select in FILTERS:
        criteria = form_class(query).criteria()
        assert "\x00" not in criteria.query and len(criteria.query) <= MAX_QUERY
        list(select(criteria)[:5])


SEARCH_PAGES = ["catalogue:index", "catalogue:instruments", "catalogue:initiatives",
                "catalogue:networks", "catalogue:practices", "catalogue:resources",
                "insight:index"]  # fmt: skip


@pytest.fixture
def no_rate_limits(settings: Any) -> None:
    # The rate limits have their own tests; here they would only cut the fuzzing short.
    settings.RATE_LIMITS = {}


@given(
    page=st.sampled_from(SEARCH_PAGES),
    query=typed,
    extra=st.sampled_from(["", "kind", "place", "country", "age", "owner"]),
)
@example(page="catalogue:practices", query="\x00", extra="")
@example(page="insight:index", query="\x00", extra="")
@example(page="catalogue:initiatives", query="a" * 10_000, extra="place")
@bounded(2 * SEARCH_EXAMPLES)
def test_the_search_pages_answer_any_text(
    page: str, query: str, extra: str, client: Client, regions: None, no_rate_limits: None
) -> None:
    parameters = {"q": query, **({extra: query} if extra else {})}
    response = client.get(reverse(page), parameters)
    assert response.status_code in (200, 302), (page, response.status_code)


@given(query=typed)
@example(query="\x00")
@bounded(SEARCH_EXAMPLES)
def test_the_person_search_page_answers_any_text(
    query: str, searcher: Actor, teacher_client: Client, no_rate_limits: None
) -> None:
    response = teacher_client.post(reverse("people:search"), {"query": query})
    assert response.status_code in (200, 400), response.status_code
    assert (response.status_code == 400) == bool(response.context["form"].errors)


# --- uploads ---------------------------------------------------------------------------------


@pytest.fixture
def analyst(skien: Region, make_user: Callable[..., User], signed_in: Callable[[User], Client],
            indicator: Indicator) -> Client:  # fmt: skip
    administration = Organisation.objects.create(
        name="Skien kommune", kind=Organisation.Kind.MUNICIPALITY, municipality=skien
    )
    return signed_in(make_user(administration, Role.ANALYST, username="fuzz_analyst"))


@pytest.fixture
def editor_client(editor: Actor, signed_in: Callable[[User], Client]) -> Client:
    assert editor.user is not None
    return signed_in(editor.user)


def padded(start: bytes, size: int) -> bytes:
    """A file of exactly `size` bytes: `start`, then spaces (JSON and CSV both skip them)."""
    assert len(start) <= size
    return start + b" " * (size - len(start))


# Files of another type: a PNG image and a ZIP archive (also what .docx and .xlsx files are).
other_types = st.sampled_from([b"\x89PNG\r\n\x1a\n", b"PK\x03\x04"]).flatmap(
    lambda magic: st.binary(min_size=1, max_size=2000).map(lambda rest: magic + rest)
)


def upload_statistics(client: Client, content: bytes, name: str) -> Any:
    return client.post(reverse("insight:imports"), {
        "file": SimpleUploadedFile(name, content), "format": "auto"})  # fmt: skip


def test_a_statistics_file_of_exactly_the_largest_size_is_taken(
    analyst: Client, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False):
        response = upload_statistics(analyst, padded(JSONSTAT, MAX_UPLOAD_BYTES), "ssb.json")
    assert response.status_code == 302
    assert ImportBatch.objects.get().state == ImportBatch.State.QUEUED


@given(start=st.sampled_from([JSONSTAT, b"region,period", b"\x89PNG\r\n", b""]),
       name=st.sampled_from(["ssb.json", "data.csv", "picture.png", "file"]),
       over=st.integers(1, 1024))  # fmt: skip
@example(start=JSONSTAT, name="ssb.json", over=1)
@bounded(UPLOAD_EXAMPLES)
def test_a_statistics_file_over_the_largest_size_is_refused_on_its_field(
    start: bytes, name: str, over: int, analyst: Client
) -> None:
    response = upload_statistics(analyst, padded(start, MAX_UPLOAD_BYTES + over), name)
    assert response.status_code == 400
    assert [error.code for error in response.context["form"].errors.as_data()["file"]] == [
        "too_large"
    ]
    assert not ImportBatch.objects.exists()
    assert Observation.objects.count() == 0


@given(content=other_types, name=st.sampled_from(["picture.png", "archive.zip", "ssb.json",
                                                  "data.csv"]))  # fmt: skip
@bounded(UPLOAD_EXAMPLES)
def test_a_statistics_file_of_another_type_is_refused_and_nothing_imported(
    content: bytes, name: str, analyst: Client
) -> None:
    response = upload_statistics(analyst, content, name)
    assert response.status_code == 400
    assert response.context["errors"]  # each problem shown, with its place
    assert Observation.objects.count() == 0
    assert not ImportBatch.objects.exclude(state=ImportBatch.State.FAILED).exists()


def upload_catalogue(client: Client, content: bytes, name: str) -> Any:
    return client.post(reverse("catalogue:import"), {"file": SimpleUploadedFile(name, content)})


EMPTY_CATALOGUE = json.dumps({"format": interchange.FORMAT, "version": interchange.VERSION,
                              "practices": []}).encode()  # fmt: skip


def test_a_catalogue_file_of_exactly_the_largest_size_is_taken(editor_client: Client) -> None:
    before = catalogue_rows()
    response = upload_catalogue(editor_client, padded(EMPTY_CATALOGUE, interchange.MAX_BYTES),
                                "catalogue.json")  # fmt: skip
    assert response.status_code == 302
    assert catalogue_rows() == before  # the file held no entries


@given(start=st.sampled_from([EMPTY_CATALOGUE, b"key,title", b"\x89PNG\r\n", b""]),
       name=st.sampled_from(["catalogue.json", "practices.csv", "picture.png", "file"]),
       over=st.integers(1, 1024))  # fmt: skip
@example(start=EMPTY_CATALOGUE, name="catalogue.json", over=1)
@bounded(UPLOAD_EXAMPLES)
def test_a_catalogue_file_over_the_largest_size_is_refused_on_its_field(
    start: bytes, name: str, over: int, editor_client: Client
) -> None:
    before = catalogue_rows()
    response = upload_catalogue(editor_client, padded(start, interchange.MAX_BYTES + over), name)
    assert response.status_code == 400
    assert [error.code for error in response.context["form"].errors.as_data()["file"]] == [
        "too_large"
    ]
    assert catalogue_rows() == before


@given(content=other_types, name=st.sampled_from(["picture.png", "archive.zip", "catalogue.json",
                                                  "practices.csv"]))  # fmt: skip
@bounded(UPLOAD_EXAMPLES)
def test_a_catalogue_file_of_another_type_is_refused_and_nothing_imported(
    content: bytes, name: str, editor_client: Client
) -> None:
    before = catalogue_rows()
    response = upload_catalogue(editor_client, content, name)
    assert response.status_code == 400
    assert response.context["problems"]  # each problem shown, with its place
    assert catalogue_rows() == before


def test_the_generated_values_reach_the_importers_checks(indicator: Indicator) -> None:
    """The nearly valid inputs are near enough: a valid CSV row of them imports."""
    result = importers.load(
        f"region,period,indicator,value,status\n4003,2024,{INDICATOR},1,\n".encode(), "ok.csv"
    )
    assert result.ok, result.errors
    assert Observation.objects.get().value == Decimal(1)
