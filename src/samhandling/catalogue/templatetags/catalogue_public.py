"""Names of the catalogue's stored choices (sectors and target groups are lists of values)."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from django import template
from django.template import defaultfilters
from django.utils import translation
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from markupsafe import Markup, escape

from samhandling.config.jinja import fill, takes_page_language
from samhandling.organisations.models import Sector

from ..models import OLDEST, Practice, TargetGroup

register = template.Library()


def _labels(values: Any, choices: type[Sector] | type[TargetGroup]) -> list[str]:
    names = dict(choices.choices)
    return [str(names.get(value, value)) for value in values or []]


@register.filter
def sector_labels(values: Any) -> list[str]:
    """["school", "nav"] → ["School", "NAV (labour and welfare)"] in the page's language."""
    return _labels(values, Sector)


@register.filter
def target_group_labels(values: Any) -> list[str]:
    return _labels(values, TargetGroup)


@register.filter
@takes_page_language
def origin_tag(entry: Any, language: str | None = None) -> SafeString:
    """Where an entry comes from, as a tag: an example is never presented as official. One
    place for the Django pages (catalogue/_origin.html) and the Jinja2 ones (decision 0006)."""
    return _origin_tag(getattr(entry, "origin", "") == "example",
                       language or translation.get_language())  # fmt: skip


@functools.lru_cache(maxsize=32)
def _origin_tag(example: bool, language: str | None) -> SafeString:
    """The tag in `language` (the active one, which is the key): a list shows it 25 times."""
    if example:
        return format_html('<span class="ds-tag" data-color="warning">{}</span>',
                           _("Example, not official"))  # fmt: skip
    return format_html('<span class="ds-tag" data-color="success">{}</span>',
                       _("From the 0–24 programme's own material"))  # fmt: skip


@register.filter
def age_span(entry: Any) -> str:
    """ "6–15", or "0–24" for the whole span of the programme."""
    age_from = getattr(entry, "age_from", 0)
    age_to = getattr(entry, "age_to", OLDEST)
    return f"{age_from}–{age_to}"


@register.filter
@takes_page_language
def practice_facts(practice: Any, language: str | None = None) -> Markup:
    """ "Sweden · Municipal · ages 6–15 · Described · in Swedish": the experience bank's line
    under each practice's title, in the page's language. Remembered per values and language:
    a list shows 25 of them, each with four labels and two texts filled in (0.4 ms a page)."""
    return _practice_facts(practice.country, practice.level, practice.age_from,
                           practice.age_to, practice.evidence_level, practice.language,
                           language or translation.get_language())  # fmt: skip


@functools.lru_cache(maxsize=4096)
def _practice_facts(country: str, level: str, age_from: int, age_to: int, evidence_level: str,
                    language: str, page_language: str | None) -> Markup:  # fmt: skip
    # The key is every value the line shows and the language it is in (the active one).
    practice = Practice(country=country, level=level, age_from=age_from, age_to=age_to,
                        evidence_level=evidence_level, language=language)  # fmt: skip
    parts = [
        escape(practice.get_country_display()),
        escape(practice.get_level_display()),
        fill(_("ages %(span)s"), span=age_span(practice)),
        escape(practice.get_evidence_level_display()),
        fill(_("in %(language)s"), language=practice.get_language_display()),
    ]
    return Markup(" · ").join(parts)


@register.filter
@takes_page_language
def practice_summary(practice: Any, language: str | None = None) -> str:
    """The start of a practice's problem, its first 40 words, for the experience bank's list.
    Remembered per text and language (the ellipsis is translated): Django's `truncatewords`
    took 0.1 ms for a list of 25. The texts are the published catalogue's, no personal data."""
    return _practice_summary(practice.problem, language or translation.get_language())


@functools.lru_cache(maxsize=2048)
def _practice_summary(problem: str, page_language: str | None) -> str:
    return str(defaultfilters.truncatewords(problem, 40))


@dataclass(frozen=True)
class Bilingual:
    text: str
    lang: str  # the language the text is in, for the lang attribute


@register.simple_tag
def bilingual(entry: Any, name: str) -> Bilingual:
    """The field `name` (title, summary, …) of a bilingual entry in the page's language, or in
    the other language when it has none; with the language it is in."""
    nb = getattr(entry, f"{name}_nb", "") or ""
    en = getattr(entry, f"{name}_en", "") or ""
    if translation.get_language() == "en":
        return Bilingual(en, "en") if en else Bilingual(nb, "nb")
    return Bilingual(nb, "nb") if nb else Bilingual(en, "en")
