"""The pages of the load benchmark, in one place: bench/locustfile.py asks for them under load,
and bench/load.py sends the same requests in-process to capture their SQL for the raw-SQL limit.

`me` is one professional of the national dataset as bench/load.py writes them: username, case,
municipality, a family name to search for, a practice query and today's date.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Page:
    name: str
    method: str  # "GET" or "POST" (a POST also sends the CSRF token under load)
    path: str
    data: dict[str, str] = field(default_factory=dict)
    weight: int = 1  # how often a caseworker asks for it, against the others
    headers: dict[str, str] = field(default_factory=dict)  # HX-Request: as htmx sends it


def reads(me: dict[str, Any]) -> list[Page]:
    """Every page but the write, with how often each is asked for."""
    case = f"/work/cases/{me['case']}/"
    return [
        Page("my work", "GET", "/work/", weight=4),
        Page("case page", "GET", case, weight=4),
        Page("plan", "GET", f"{case}plan/", weight=2),
        Page("person search", "POST", "/people/", {"query": me["search"]}, weight=2),
        Page("municipal profile", "GET", f"/knowledge/regions/{me['municipality']}/"),
        Page(
            "experience bank search", "GET", "/catalogue/practices/", {"q": me["practice_query"]}
        ),  # fmt: skip
    ]


def log_entry(me: dict[str, Any], number: int = 0, *, htmx: bool = True) -> Page:
    """The write: an observation added to the relay log. The page's form is an htmx form: a
    browser with JavaScript sends it with `HX-Request` and gets the relay log's section back
    (200). Without JavaScript the form posts and redirects to the case page, which the client
    follows: "add log entry (no JavaScript)" is that, both requests."""
    return Page(
        "add log entry" if htmx else "add log entry (no JavaScript)",
        "POST",
        f"/work/cases/{me['case']}/log/",
        {
            "log-kind": "observation",
            "log-occurred_on": me["today"],
            "log-text": f"Observasjon {number} fra belastningstesten.",
            "log-visibility": "team",
        },
        headers={"HX-Request": "true"} if htmx else {},
    )


NAMES = ("my work", "case page", "plan", "add log entry", "add log entry (no JavaScript)",
         "person search", "municipal profile", "experience bank search")  # fmt: skip
