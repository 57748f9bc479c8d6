import datetime
import random

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st
from stdnum.no import fodselsnummer

from samhandling.people.identity import (
    is_synthetic_norwegian,
    synthetic_norwegian_id,
    validate_national_id,
)

BORN = datetime.date(2012, 5, 17)


def error_code(number: str, **kwargs: object) -> str:
    with pytest.raises(ValidationError) as caught:
        validate_national_id(number, **kwargs)  # type: ignore[arg-type]
    return str(caught.value.code)


@given(st.dates(datetime.date(1900, 1, 1), datetime.date(2026, 11, 26)), st.integers(0, 2**32))
def test_every_synthetic_number_is_valid_for_its_birth_date_and_never_a_real_one(
    born: datetime.date, seed: int
) -> None:
    number = synthetic_norwegian_id(born, random.Random(seed))
    assert validate_national_id(number, country="NO", date_of_birth=born) == number
    assert is_synthetic_norwegian(number)
    assert int(number[2:4]) > 80  # month + 80: no real person has such a month
    assert not fodselsnummer.is_valid(number)  # the ordinary rules cannot read it as real


def test_a_mistyped_digit_is_refused_as_a_checksum_error() -> None:
    number = synthetic_norwegian_id(BORN, random.Random(1))
    typo = number[:5] + str((int(number[5]) + 1) % 10) + number[6:]
    assert error_code(typo, country="NO") == "checksum"


def test_a_number_for_another_birth_date_is_refused_as_a_mismatch() -> None:
    number = synthetic_norwegian_id(BORN, random.Random(1))
    assert error_code(number, country="NO", date_of_birth=datetime.date(2012, 5, 18)) == (
        "birth_date_mismatch"
    )


def test_the_mismatch_message_names_the_date_of_birth() -> None:
    number = synthetic_norwegian_id(BORN, random.Random(1))
    with pytest.raises(ValidationError) as caught:
        validate_national_id(number, country="NO", date_of_birth=datetime.date(2011, 1, 2))
    assert "2011-01-02" in caught.value.messages[0]


def test_wrong_length_and_letters_get_their_own_messages() -> None:
    assert error_code("1234", country="NO") == "length"
    assert error_code("1205a012345", country="NO") == "format"


def test_d_numbers_are_read_with_day_plus_40() -> None:
    base = "570512"  # 17 May 2012 as a D-number
    for individual in range(500, 1000):
        stem = f"{base}{individual:03d}"
        c1 = fodselsnummer.calc_check_digit1(stem)
        if len(c1) > 1:
            continue
        c2 = fodselsnummer.calc_check_digit2(stem + c1)
        if len(c2) > 1:
            continue
        number = stem + c1 + c2
        break
    assert validate_national_id(number, country="NO", date_of_birth=BORN) == number


def test_demo_mode_refuses_a_number_that_could_be_a_real_person() -> None:
    real_shaped = "17051250021"
    for individual in range(500, 1000):
        stem = f"170512{individual:03d}"
        c1 = fodselsnummer.calc_check_digit1(stem)
        c2 = fodselsnummer.calc_check_digit2(stem + c1) if len(c1) == 1 else "10"
        if len(c1) == 1 and len(c2) == 1:
            real_shaped = stem + c1 + c2
            break
    assert error_code(real_shaped, country="NO", synthetic_only=True) == "not_synthetic"


@pytest.mark.parametrize(
    ("country", "number", "born"),
    [
        ("SE", "880320-0016", datetime.date(1988, 3, 20)),
        ("DK", "150590-4315", datetime.date(1990, 5, 15)),
        ("FI", "131052-308T", datetime.date(1952, 10, 13)),
        ("IS", "120174-3399", datetime.date(1974, 1, 12)),
    ],
)
def test_nordic_numbers_are_validated_against_the_date_of_birth(
    country: str, number: str, born: datetime.date
) -> None:
    assert validate_national_id(number, country=country, date_of_birth=born)
    assert error_code(number, country=country, date_of_birth=born.replace(year=1950)) == (
        "birth_date_mismatch"
    )


def test_an_unsupported_country_is_refused() -> None:
    assert error_code("123", country="DE") == "unknown_country"


@given(st.text(max_size=20), st.sampled_from(["NO", "SE", "DK", "FI", "IS", "XX"]))
def test_any_input_is_either_accepted_or_refused_with_a_validation_error(
    text: str, country: str
) -> None:
    try:
        validate_national_id(text, country=country)
    except ValidationError as error:
        assert error.code
