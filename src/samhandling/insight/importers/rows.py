"""What every importer produces: rows with their place in the file, and errors with theirs."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Context, Decimal, InvalidOperation
from typing import NamedTuple

from django.utils.translation import gettext as _

# The publishers' status symbols (SSB, Eurostat, PxWeb) and ours.
STATUS_SYMBOLS = {
    "": "",
    "missing": "missing",
    "suppressed": "suppressed",
    "uncertain": "uncertain",
    ".": "missing",  # not possible to produce / not applicable
    "..": "missing",  # not available
    "...": "missing",  # not yet available
    ":": "suppressed",  # confidential (small numbers)
    "u": "uncertain",
}

PERIOD = re.compile(
    r"^(?:\d{4}(?:[QK][1-4]|M(?:0[1-9]|1[0-2]))?"  # 2024, 2024Q3 (K3), 2024M07
    r"|\d{4}-\d{4}"  # 2022-2024
    r"|\d{4}/\d{2}(?:-\d{4}/\d{2})?)$"  # 2024/25, 2022/23-2024/25 (school years)
)


class ValuePosition:
    """Where a value is in a JSON-stat dataset, put into words only when an error needs it."""

    __slots__ = ("codes", "index", "names")

    def __init__(self, index: int, names: tuple[str, ...], codes: tuple[str, ...]) -> None:
        self.index, self.names, self.codes = index, names, codes

    def __str__(self) -> str:
        codes = ", ".join(f"{name}={code}" for name, code in zip(self.names, self.codes,
                                                                 strict=True))  # fmt: skip
        return _("value %(index)s (%(codes)s)") % {"index": self.index, "codes": codes}


Position = str | ValuePosition


class Row(NamedTuple):  # a named tuple: made once per value, so it must be cheap
    indicator: str  # a code as the file gives it (ours, or one of an indicator's source codes)
    region: str
    period: str
    breakdown: str
    value: Decimal | None
    status: str
    note: str
    position: Position  # where it is in the file, for error messages


@dataclass(frozen=True)
class Problem:
    position: str
    message: str

    def as_dict(self) -> dict[str, str]:
        """As the import's record keeps it: without the NUL characters that a message may
        repeat from the file (PostgreSQL's JSON cannot hold them)."""
        return {"position": self.position.replace("\x00", ""),
                "message": self.message.replace("\x00", "")}  # fmt: skip


@dataclass
class Parsed:
    format: str
    rows: list[Row] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)

    def error(self, position: Position, message: str) -> None:
        self.errors.append(Problem(str(position), message))


class ParseError(ValueError):
    """The file cannot be read at all (not the format it claims to be)."""


def parse_value(text: object, position: Position, parsed: Parsed) -> Decimal | None:
    if text is None or (isinstance(text, str) and not text.strip()):
        return None
    if isinstance(text, bool):
        parsed.error(position, _("The value %(value)s is not a number.") % {"value": text})
        return None
    try:
        value = Decimal(str(text).strip().replace(" ", "").replace(",", "."))
    except InvalidOperation:
        parsed.error(position, _("The value %(value)s is not a number.") % {"value": text})
        return None
    if out_of_range(value):
        parsed.error(position, _("The value %(value)s is out of range.") % {"value": text})
        return None
    return value


# What an observation's value (18 digits, 6 of them decimals) holds: less than a million
# million, also once rounded as it is kept. SQLite keeps a decimal as a double and Django reads
# it back rounded to 15 significant digits, so 999999999999.999999 would come back as 1e12,
# which the column cannot give back (every later read of it would fail): the same rule on
# both databases, so that a file imports the same everywhere.
VALUE_LIMIT = Decimal("1e12")
_AS_READ_BACK = Context(prec=15)
_SURELY_IN_RANGE = Decimal("999999999999.999")  # below it, no rounding reaches the limit


def out_of_range(value: Decimal) -> bool:
    if not value.is_finite():
        return True
    if abs(value) < _SURELY_IN_RANGE:  # nearly every value: one comparison (the hot path)
        return False
    return (
        abs(value) >= VALUE_LIMIT
        or abs(round(value, 6)) >= VALUE_LIMIT
        or abs(_AS_READ_BACK.plus(value)) >= VALUE_LIMIT
    )


def parse_status(symbol: object, position: Position, parsed: Parsed) -> str:
    text = "" if symbol is None else str(symbol).strip()
    if text.lower() in STATUS_SYMBOLS:
        return STATUS_SYMBOLS[text.lower()]
    parsed.error(
        position,
        _("Unknown status %(status)s: use missing, suppressed, uncertain or leave it empty.")
        % {"status": text},
    )
    return ""


def check_period(period: str, position: Position, parsed: Parsed) -> str:
    period = period.strip()
    if len(period) == 10 and period[4] == "-" and period[7] == "-":  # 2011-01-01: a month
        period = f"{period[:4]}M{period[5:7]}"
    if not PERIOD.match(period):
        parsed.error(position, _("The period %(period)s is not a year, a span of years, a "
                                 "quarter or a month.") % {"period": period})  # fmt: skip
    return period.replace("K", "Q")


def year_of(period: str) -> int:
    """The last year a period covers: 2024Q3 → 2024, 2022-2024 → 2024, 2022/23-2024/25 → 2025."""
    if "/" in period:
        start, short = period.rsplit("/", 1)
        century = int(start[-4:-2]) * 100
        year = century + int(short[:2])
        return year + 100 if year < int(start[-4:]) else year
    return int(period[-4:]) if "-" in period else int(period[:4])
