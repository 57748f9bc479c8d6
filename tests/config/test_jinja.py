"""Page bodies in Jinja2 (decision 0006) and the choice labels every page shows."""

import copy
import functools
import inspect
from typing import Any

import pytest
from django.template import engines
from django.test import RequestFactory
from django.urls import NoReverseMatch, reverse, set_script_prefix
from django.utils import translation

from samhandling.catalogue.models import Practice
from samhandling.config.jinja import fill, querystring, url
from samhandling.config.navigation import navigation
from samhandling.organisations.actors import ANONYMOUS, Actor


def test_fill_escapes_the_values_and_keeps_the_text_as_blocktranslate_does() -> None:
    assert fill("<b>%(name)s</b>", name="<script>") == "<b>&lt;script&gt;</b>"


def test_querystring_keeps_the_rest_of_the_query_as_djangos_tag_does() -> None:
    request = RequestFactory().get("/list/", {"q": "barn & unge", "countries": ["NO", "SE"]})
    assert querystring(request, page=2) == "?q=barn+%26+unge&countries=NO&countries=SE&page=2"
    assert querystring(request, q=None) == "?countries=NO&countries=SE"


@pytest.mark.parametrize(
    ("query", "changes"),
    [
        ({}, {}),
        ({}, {"page": 3}),
        ({"page": "2"}, {"page": None}),
        ({"q": "æøå / ?&=+", "page": "2", "country": ["NO", "SE"]}, {"page": 5}),
        ({"country": ["NO", "SE"], "q": "barn"}, {"country": ["DK"], "page": 1}),
        ({"country": ["NO"]}, {"country": [], "q": "unge skole"}),
        ({"empty": ""}, {"other": None}),
    ],
)
def test_querystring_writes_what_djangos_tag_writes(query: dict[str, Any],
                                                     changes: dict[str, Any]) -> None:  # fmt: skip
    from types import SimpleNamespace

    from django.template.defaulttags import querystring as djangos

    request = RequestFactory().get("/list/", query)
    expected = str(djangos(SimpleNamespace(request=request), **changes))  # type: ignore[arg-type]
    assert querystring(request, **changes) == expected
    # The request's own parameters are encoded once; asking again gives the same.
    assert querystring(request, **changes) == expected


def test_a_body_translates_escapes_and_reverses() -> None:
    source = '{{ _("Next") }} {{ url("catalogue:practice", 7) }} {{ text }}'
    body = engines["jinja2"].from_string(source)
    with translation.override("nb"):
        assert body.render({"text": "<i>"}) == "Neste /catalogue/practices/7/ &lt;i&gt;"
    with translation.override("en"):
        assert body.render({"text": "<i>"}).startswith("Next ")


def test_a_choice_label_is_in_the_language_of_the_request() -> None:
    practice = Practice(country=Practice.Country.SWEDEN, level=Practice.Level.MUNICIPAL)
    with translation.override("nb"):
        norwegian = practice.get_country_display()
    with translation.override("en"):
        english = practice.get_country_display()
    assert norwegian == "Sverige"
    assert english == "Sweden"
    # A value that is not among the choices shows as itself, as in Django.
    assert Practice(country="XX").get_country_display() == "XX"


def test_dates_times_and_numbers_print_as_in_a_django_template() -> None:
    import datetime
    from decimal import Decimal

    night = datetime.datetime(2026, 6, 30, 22, 30, tzinfo=datetime.UTC)  # 1 July, 00:30 in Oslo
    day = datetime.date(2026, 11, 27)
    cases = [
        (night, "SHORT_DATETIME_FORMAT"),
        (night, "DATE_FORMAT"),
        (day, "SHORT_DATE_FORMAT"),
        (day, "DATE_FORMAT"),
        (datetime.time(8, 5), "TIME_FORMAT"),
        (Decimal("1234.5"), ""),
        (12345, ""),
        (7, ""),
        (True, ""),
        (None, "DATE_FORMAT"),
    ]
    for language in ("nb", "en"):
        with translation.override(language):
            for value, form in cases:
                django_page = engines["django"].from_string(
                    f'{{{{ v }}}}|{{{{ v|date:"{form}" }}}}'
                )
                jinja_body = engines["jinja2"].from_string(
                    f'{{{{ v|localize }}}}|{{{{ v|date("{form}") }}}}'
                )
                expected = django_page.render({"v": value})
                assert jinja_body.render({"v": value}) == expected, (language, value, form)
    with translation.override("nb"):
        assert (
            engines["jinja2"].from_string("{{ v|localize }}").render({"v": night}).endswith("00:30")
        )


def test_a_date_is_formatted_once_for_its_language_and_time_zone() -> None:
    import datetime

    from django.utils import timezone

    from samhandling.config import jinja

    night = datetime.datetime(2026, 6, 30, 22, 30, tzinfo=datetime.UTC)
    body = engines["jinja2"].from_string('{{ v|date("DATE_FORMAT") }}')
    shown = {}
    for language in ("nb", "en"):
        for zone in ("Europe/Oslo", "UTC"):
            with translation.override(language), timezone.override(zone):
                before = jinja._formatted.cache_info()
                shown[language, zone] = body.render({"v": night})
                assert body.render({"v": night}) == shown[language, zone]
                after = jinja._formatted.cache_info()
                assert after.hits >= before.hits + 1  # the second time, remembered
                django_page = engines["django"].from_string('{{ v|date:"DATE_FORMAT" }}')
                assert shown[language, zone] == django_page.render({"v": night})
    assert len(set(shown.values())) == 4  # each language and zone its own
    assert jinja.date([1]) == ""  # not a key: formatted directly, as Django would


def test_a_page_body_formats_dates_in_the_language_and_time_zone_it_is_rendered_in() -> None:
    """`|date` in a page body takes the language and the time zone from RENDERED_IN, not from
    Django's thread-locals; a date (not a moment) is one key in every time zone."""
    import datetime
    import zoneinfo

    from django.utils import timezone

    from samhandling.config import jinja
    from samhandling.config.jinja import RENDERED_IN

    night = datetime.datetime(2026, 6, 30, 22, 30, tzinfo=datetime.UTC)
    body = engines["jinja2"].from_string(
        '{{ v|date("DATE_FORMAT") }} {{ d|date("SHORT_DATE_FORMAT") }}'
    )
    django_page = engines["django"].from_string(
        '{{ v|date:"DATE_FORMAT" }} {{ d|date:"SHORT_DATE_FORMAT" }}'
    )
    values = {"v": night, "d": datetime.date(2026, 1, 2)}
    for language in ("nb", "en"):
        for zone in ("Europe/Oslo", "UTC"):
            with translation.override(language), timezone.override(zone):
                expected = django_page.render(values)
            other_language, other_zone = (
                ("en" if language == "nb" else "nb"),
                ("UTC" if zone == "Europe/Oslo" else "Europe/Oslo"),
            )
            # Django's thread-locals say otherwise than the page's RENDERED_IN:
            with translation.override(other_language), timezone.override(other_zone):
                where = (language, "/", None, zoneinfo.ZoneInfo(zone))
                assert body.render({**values, RENDERED_IN: where}) == expected, (language, zone)
    keys_before = jinja._formatted.cache_info().currsize
    with translation.override("nb"):
        for zone in ("Europe/Oslo", "UTC", "America/New_York"):
            where = ("nb", "/", None, zoneinfo.ZoneInfo(zone))
            body.render({"v": None, "d": datetime.date(2031, 3, 4), RENDERED_IN: where})
    # the date once, whatever the zone (and `None` once)
    assert jinja._formatted.cache_info().currsize - keys_before <= 2


def test_every_model_with_choices_has_the_cheap_choice_labels() -> None:
    """config/choices.py: a model without ChoiceLabels first would translate every label of a
    field on each get_<field>_display() call again."""
    from django.apps import apps

    from samhandling.config.choices import ChoiceLabels

    with_choices = [
        model
        for model in apps.get_models()
        if model.__module__.startswith("samhandling.")
        and any(field.choices for field in model._meta.get_fields() if hasattr(field, "choices"))
    ]
    assert with_choices
    assert [m._meta.label for m in with_choices if not issubclass(m, ChoiceLabels)] == []


def test_url_is_reverse_remembered_with_everything_reverse_depends_on() -> None:
    assert url("catalogue:practice", 7) == reverse("catalogue:practice", args=[7])
    assert url("catalogue:practice", 8) == "/catalogue/practices/8/"
    assert url("catalogue:index") == reverse("catalogue:index")
    set_script_prefix("/samhandling/")  # served below a path: the prefix is part of the key
    try:
        assert url("catalogue:practice", 7) == "/samhandling/catalogue/practices/7/"
    finally:
        set_script_prefix("/")
    assert url("catalogue:practice", 7) == "/catalogue/practices/7/"
    with pytest.raises(NoReverseMatch):  # not a key: reverse() itself answers, as before
        url("catalogue:practice", [7])


def test_the_menu_is_made_once_per_request_and_again_for_another_actor() -> None:
    request = RequestFactory().get("/catalogue/")
    request.actor = ANONYMOUS
    first = navigation(request)["navigation"]
    assert navigation(request)["navigation"] is first
    assert [item["current"] for item in first if item["url"] == "/catalogue/"] == [True]
    request.actor = Actor(user=None, channel="web")  # signed out and in again: not the same
    assert navigation(request)["navigation"] is not first


def test_the_menu_follows_the_language_and_the_script_prefix() -> None:
    """The menu's addresses and labels are remembered per language, prefix and URL
    configuration (navigation._entries): a page in English has them in English, a site below a
    path has them below it."""
    from django.urls import set_script_prefix

    from samhandling.config.navigation import menu_for

    def menu() -> list[tuple[object, object, object]]:
        return [(i["url"], i["label"], i["current"]) for i in menu_for(ANONYMOUS, "/catalogue/")]

    with translation.override("nb"):
        norwegian = menu()
    with translation.override("en"):
        english = menu()
        set_script_prefix("/samhandling/")
        try:
            below = menu()
        finally:
            set_script_prefix("/")
    assert ("/catalogue/", "Virkemidler og erfaringer", True) in norwegian
    assert ("/catalogue/", "Instruments and experience", True) in english
    assert ("/samhandling/catalogue/", "Instruments and experience", False) in below
    assert [label for _, label, _ in norwegian] != [label for _, label, _ in english]


def test_a_text_is_translated_once_per_language_and_follows_the_language() -> None:
    from django.utils.translation import gettext_lazy

    from samhandling.config import jinja

    body = engines["jinja2"].from_string('{{ _("Search") }}|{{ _(lazy) }}')
    shown = {}
    for language in ("nb", "en", "nb"):
        with translation.override(language):
            before = jinja._translated.cache_info().hits
            shown[language] = body.render({"lazy": gettext_lazy("Search")})
            body.render({"lazy": gettext_lazy("Search")})
            assert jinja._translated.cache_info().hits > before
    assert shown == {"nb": "Søk|Søk", "en": "Search|Search"}


RUNS: list[str] = []


def counted(request: Any) -> dict[str, Any]:
    """A context processor that notes each of its runs."""
    RUNS.append(request.path)
    return {}


@pytest.fixture
def counted_processor(settings: Any) -> list[str]:
    """The Django engine with `counted` last among its context processors."""
    templates = copy.deepcopy(settings.TEMPLATES)
    templates[0]["OPTIONS"]["context_processors"].append(f"{__name__}.counted")
    settings.TEMPLATES = templates  # the engines are made again with it
    RUNS.clear()
    return RUNS


@pytest.mark.django_db
def test_a_component_in_a_jinja2_body_has_the_pages_context_without_running_the_processors_again(
    client: Any, counted_processor: list[str]
) -> None:
    """The experience bank's body includes six Django components (django_include). Each has
    what the page's context processors gave (here the request), and they run once for the
    page, not once more for each component."""
    response = client.get("/catalogue/practices/", {"q": "skole"})
    assert response.status_code == 200
    assert counted_processor == ["/catalogue/practices/"]
    html = response.content.decode()
    assert '<a class="ds-link" href="/catalogue/practices/">' in html  # request.path
    assert '<link rel="stylesheet" href="/static/css/catalogue' in html  # _assets.html


def test_a_component_of_a_jinja2_template_rendered_on_its_own_runs_the_processors(
    counted_processor: list[str],
) -> None:
    """An htmx section is a Jinja2 template rendered with no page around it: its component
    runs the context processors itself, and has their values (here the request's)."""
    request = RequestFactory().get("/catalogue/")
    request.actor = ANONYMOUS
    body = engines["jinja2"].from_string(
        '{{ django_include("catalogue/_filter_buttons.html", request) }}'
    )
    html = body.render({"request": request})
    assert counted_processor == ["/catalogue/"]
    assert '<a class="ds-link" href="/catalogue/">' in html


def test_every_choice_label_is_djangos_own_in_both_languages_from_a_plain_function() -> None:
    """config/choices.py gives each field with choices a plain get_<field>_display function
    (not Django's partialmethod), with Django's answer for every choice and for a value that
    is not one, in bokmål and English."""
    from django.apps import apps
    from django.db import models

    from samhandling.config.choices import ChoiceLabels

    checked = 0
    for model in apps.get_models():
        if not issubclass(model, ChoiceLabels):
            continue
        for field in model._meta.fields:
            if not field.choices:
                continue
            display = inspect.getattr_static(model, f"get_{field.name}_display")
            assert not isinstance(display, functools.partialmethod), (model, field.name)
            for value in [value for value, _label in field.flatchoices] + ["no-such-value", None]:
                entry = model(**{field.attname: value})
                for language in ("nb", "en"):
                    with translation.override(language):
                        djangos = models.Model._get_FIELD_display(entry, field)
                        assert display(entry) == djangos, (model, field.name, value)
                        checked += 1
    assert checked > 200


def test_a_page_body_translates_and_reverses_in_the_language_and_prefix_it_is_rendered_in() -> None:
    """`{% jinja_body %}` reads the request's language, script prefix and URL configuration
    once (RENDERED_IN); `_` and `url` use them. A template rendered on its own asks Django."""
    from samhandling.config.jinja import RENDERED_IN, rendered_in

    body = engines["jinja2"].from_string("{{ _('Next') }} {{ url('catalogue:practice', 7) }}")
    with translation.override("nb"):
        assert body.render({}) == "Neste /catalogue/practices/7/"
        assert rendered_in()[:3] == ("nb", "/", None)
        assert str(rendered_in()[3]) == "Europe/Oslo"
        english_below_a_path = ("en", "/samhandling/", None, rendered_in()[3])
        assert body.render({RENDERED_IN: english_below_a_path}) == (
            "Next /samhandling/catalogue/practices/7/"
        )


@pytest.mark.django_db
def test_a_page_in_english_has_its_body_in_english(client: Any) -> None:
    client.cookies["django_language"] = "en"
    html = client.get("/catalogue/practices/").content.decode()
    assert "Nordic experience bank" in html and "Nordisk erfaringsbank" not in html
    client.cookies["django_language"] = "nb"
    html = client.get("/catalogue/practices/").content.decode()
    assert "Nordisk erfaringsbank" in html


def test_a_page_body_gives_the_catalogues_filters_the_language_it_is_rendered_in() -> None:
    """The filters marked `takes_page_language` write in the page's language (RENDERED_IN) in
    a Jinja2 body, in the active one otherwise, and as before in a Django template."""
    from samhandling.catalogue.models import Practice
    from samhandling.config.jinja import RENDERED_IN, rendered_in

    practice = Practice(country="se", level="municipal", age_from=6, age_to=15,
                        evidence_level=Practice._meta.get_field("evidence_level").choices[0][0],
                        language="sv", origin="example", problem="word " * 50)  # fmt: skip
    source = "{{ p|practice_facts }}|{{ p|origin_tag }}|{{ p|practice_summary }}"
    body = engines["jinja2"].from_string(source)
    django_page = engines["django"].from_string("{% load catalogue_public %}" + source)
    written = {}
    for language in ("nb", "en"):
        with translation.override(language):
            written[language] = django_page.render({"p": practice})
            assert body.render({"p": practice}) == written[language]
            where = rendered_in()
    assert written["nb"] != written["en"]
    with translation.override("nb"):  # the page is in English, Django's thread-local says nb
        assert body.render({"p": practice, RENDERED_IN: where}) == written["en"]
