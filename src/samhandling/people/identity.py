"""Nordic national identity numbers: validation against the date of birth, and synthetic ones.

Validation uses python-stdnum per country. Norway has three variants beyond the ordinary
fødselsnummer: the D-number (day + 40), the H-number (month + 40) and the synthetic numbers of
the national test-data register (month + 80), which are valid by checksum but can never belong
to a real person. Demo and test data use only synthetic Norwegian numbers.
"""

from __future__ import annotations

import datetime
import random

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum import dk, fi, is_, se
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.no import fodselsnummer

COUNTRIES = {
    "NO": _("Norway"),
    "SE": _("Sweden"),
    "DK": _("Denmark"),
    "FI": _("Finland"),
    "IS": _("Iceland"),
}


def _norwegian_birth_date(number: str) -> datetime.date:
    day, month, year2 = int(number[0:2]), int(number[2:4]), int(number[4:6])
    individual = int(number[6:9])
    if day > 40:  # D-number
        day -= 40
    if month > 80:  # synthetic (national test-data register)
        month -= 80
    elif month > 40:  # H-number
        month -= 40
    if individual < 500:
        year = 1900 + year2
    elif individual < 750 and year2 >= 54:
        year = 1800 + year2
    elif year2 < 40:
        year = 2000 + year2
    elif individual >= 900:
        year = 1900 + year2
    else:
        raise InvalidComponent()
    return datetime.date(year, month, day)


def is_synthetic_norwegian(number: str) -> bool:
    number = fodselsnummer.compact(number)
    return len(number) == 11 and number.isdigit() and int(number[2:4]) > 80


def _validate_no(number: str) -> tuple[str, datetime.date]:
    number = fodselsnummer.compact(number)
    if len(number) != 11:
        raise InvalidLength()
    if not number.isdigit():
        raise InvalidFormat()
    if number[9] != fodselsnummer.calc_check_digit1(number) or number[10] != (
        fodselsnummer.calc_check_digit2(number)
    ):
        raise InvalidChecksum()
    if int(number[0:2]) >= 80:  # FH-number: carries no date by design
        raise InvalidComponent()
    try:
        return number, _norwegian_birth_date(number)
    except ValueError as exc:
        raise InvalidComponent() from exc


def _validate_se(number: str) -> tuple[str, datetime.date]:
    number = se.personnummer.validate(number)
    return number, se.personnummer.get_birth_date(number)


def _validate_dk(number: str) -> tuple[str, datetime.date]:
    number = dk.cpr.validate(number)
    return number, dk.cpr.get_birth_date(number)


def _validate_fi(number: str) -> tuple[str, datetime.date]:
    number = fi.hetu.validate(number, allow_temporary=True)
    return number, _finnish_birth_date(number)


def _finnish_birth_date(number: str) -> datetime.date:
    century = {
        "+": 1800,
        "-": 1900,
        "Y": 1900,
        "X": 1900,
        "W": 1900,
        "V": 1900,
        "U": 1900,
        "A": 2000,
        "B": 2000,
        "C": 2000,
        "D": 2000,
        "E": 2000,
        "F": 2000,
    }[number[6]]
    return datetime.date(century + int(number[4:6]), int(number[2:4]), int(number[0:2]))


def _validate_is(number: str) -> tuple[str, datetime.date]:
    number = is_.kennitala.validate(number)
    century = {"9": 1900, "0": 2000, "8": 1800}[number[9]]
    return number, datetime.date(century + int(number[4:6]), int(number[2:4]), int(number[0:2]))


_VALIDATORS = {
    "NO": _validate_no,
    "SE": _validate_se,
    "DK": _validate_dk,
    "FI": _validate_fi,
    "IS": _validate_is,
}


def validate_national_id(
    number: str,
    *,
    country: str,
    date_of_birth: datetime.date | None = None,
    synthetic_only: bool = False,
) -> str:
    """Returns the number in compact form, or raises a ValidationError that says what is wrong.

    The error codes are `unknown_country`, `length`, `format`, `checksum`, `date`,
    `birth_date_mismatch` and `not_synthetic`.
    """
    validator = _VALIDATORS.get(country)
    if validator is None:
        raise ValidationError(
            _("Identity numbers from this country are not supported."), code="unknown_country"
        )
    try:
        compact, birth_date = validator(number.strip())
    except InvalidLength as exc:
        raise ValidationError(
            _("The identity number has the wrong number of digits."), code="length"
        ) from exc
    except InvalidChecksum as exc:
        raise ValidationError(
            _("The identity number fails its checksum: a digit is probably mistyped."),
            code="checksum",
        ) from exc
    except InvalidFormat as exc:
        raise ValidationError(
            _("The identity number may only contain digits (and the country's separator)."),
            code="format",
        ) from exc
    except (InvalidComponent, StdnumError, ValueError, KeyError) as exc:
        raise ValidationError(
            _("The identity number does not contain a valid date of birth."), code="date"
        ) from exc
    if date_of_birth is not None and birth_date != date_of_birth:
        raise ValidationError(
            _("The identity number does not match the date of birth (%(date)s)."),
            code="birth_date_mismatch",
            params={"date": date_of_birth.isoformat()},
        )
    if synthetic_only and country == "NO" and not is_synthetic_norwegian(compact):
        raise ValidationError(
            _("Only synthetic identity numbers (month + 80) may be used in demo mode."),
            code="not_synthetic",
        )
    return compact


def synthetic_norwegian_id(birth_date: datetime.date, rng: random.Random) -> str:
    """A Norwegian identity number with month + 80: valid by checksum, never a real person."""
    year2 = birth_date.year % 100
    if 1900 <= birth_date.year <= 1999:
        low, high = 0, 499
    elif 2000 <= birth_date.year <= 2039:
        low, high = 500, 999
    else:
        raise ValueError("synthetic numbers cover births 1900-2039")
    for _attempt in range(1000):
        individual = rng.randint(low, high)
        base = f"{birth_date.day:02d}{birth_date.month + 80:02d}{year2:02d}{individual:03d}"
        check1 = fodselsnummer.calc_check_digit1(base)
        if check1 == "10" or len(check1) != 1:
            continue
        check2 = fodselsnummer.calc_check_digit2(base + check1)
        if check2 == "10" or len(check2) != 1:
            continue
        return base + check1 + check2
    raise RuntimeError("no synthetic number found")  # pragma: no cover - vanishingly unlikely
