"""The person search (people.selectors.search_persons): each word begins the given or the
family name, whatever the case; the first twenty by family name and given name."""

from __future__ import annotations

import datetime
from collections.abc import Callable

from samhandling.accounts.models import User
from samhandling.organisations.actors import actor_for
from samhandling.people.models import Person
from samhandling.people.selectors import SEARCH_LIMIT, search_persons


def _names(teacher: User, query: str) -> list[str]:
    return [f"{p.given_name} {p.family_name}" for p in search_persons(actor_for(teacher), query)]


def test_each_word_begins_the_given_or_the_family_name_whatever_the_case(
    teacher: User, make_person: Callable[..., Person]
) -> None:
    make_person("Ola", "Nordmann")
    make_person("Kari", "Nordmann")
    make_person("Ola", "Sørby")
    make_person("Nora", "Olsen")
    assert _names(teacher, "nordmann") == ["Kari Nordmann", "Ola Nordmann"]
    assert _names(teacher, "NORD") == ["Kari Nordmann", "Ola Nordmann"]
    assert _names(teacher, "ol") == ["Ola Nordmann", "Nora Olsen", "Ola Sørby"]
    assert _names(teacher, "ola") == ["Ola Nordmann", "Ola Sørby"]
    assert _names(teacher, "ola nord") == ["Ola Nordmann"]
    assert _names(teacher, "Nordmann Ola") == ["Ola Nordmann"]
    assert _names(teacher, "Sør") == ["Ola Sørby"]
    # Not a word inside a name: "mann" does not begin one.
    assert _names(teacher, "mann") == []
    assert _names(teacher, "ola olsen") == []


def test_a_word_s_wildcards_are_letters(teacher: User, make_person: Callable[..., Person]) -> None:
    make_person("Ola", "Nordmann")
    make_person("Per", "N_rd%")
    assert _names(teacher, "N_r") == ["Per N_rd%"]
    assert _names(teacher, "N%") == []
    assert _names(teacher, "%") == []


def test_the_first_twenty_by_family_name_then_given_name_whichever_name_a_word_begins(
    teacher: User, make_person: Callable[..., Person]
) -> None:
    """A word that begins family names and given names alike: the two kinds of match are
    found apart (each from its own index) and merged in name order."""
    born = datetime.date(2012, 5, 17)
    for number in range(15):
        make_person("Berit", f"Aas{number:02}", born=born + datetime.timedelta(days=number))
        make_person("Anne", f"Berg{number:02}", born=born + datetime.timedelta(days=number))
        make_person("Bernt", f"Ćelik{number:02}", born=born + datetime.timedelta(days=number))
    found = _names(teacher, "ber")
    assert len(found) == SEARCH_LIMIT
    assert found == sorted(found, key=lambda name: (name.split()[1].upper(), name.split()[0]))
    assert found[:15] == [f"Berit Aas{n:02}" for n in range(15)]
    assert found[15:] == [f"Anne Berg{n:02}" for n in range(5)]
