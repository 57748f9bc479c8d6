"""The editorial pages: the desk, the form of each kind, publishing by another editor, the
conflict page, the history, and a practice turned into a municipality's draft measure.

Everything goes through the real views, services and database; the pages are read in English.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from samhandling.accounts.models import User
from samhandling.audit.models import AuditEvent
from samhandling.catalogue import forms, selectors, services
from samhandling.catalogue.models import (
    Entry,
    Initiative,
    Instrument,
    Network,
    Practice,
    Resource,
    Revision,
    Status,
)
from samhandling.insight.models import Indicator
from samhandling.organisations.actors import Actor, actor_for
from samhandling.organisations.models import Region

pytestmark = pytest.mark.django_db

Browser = Callable[[User], Client]
DESK = reverse("catalogue:editorial")


def create_url(kind: str) -> str:
    return reverse("catalogue:create", kwargs={"kind": kind})


def edit_url(kind: str, pk: int) -> str:
    return reverse("catalogue:edit", kwargs={"kind": kind, "pk": pk})


def step_url(step: str, kind: str, pk: int) -> str:
    return reverse(f"catalogue:{step}", kwargs={"kind": kind, "pk": pk})


def practice_form(**changes: Any) -> dict[str, Any]:
    """A new practice as an editor fills in the form."""
    return {
        "title": "Tidiga insatser i Norrtälje",
        "country": "SE",
        "level": "municipal",
        "language": "sv",
        "problem": "Barnen fick hjälp för sent.",
        "what_was_done": "Skolan samarbetar med socialtjänsten.",
        "age_from": "6",
        "age_to": "15",
        "sectors": ["school", "child_welfare"],
        "evidence_level": "described",
        "origin": "example",
        "key": "",
        **changes,
    }


def loaded(response: Any) -> dict[str, Any]:
    """What a browser sends back from the page's entry form, unchanged."""
    data: dict[str, Any] = {}
    for field in response.context["form"]:
        value = field.value()
        if isinstance(value, list | tuple):
            data[field.name] = [str(v) for v in value]
        else:
            data[field.name] = "" if value is None else str(value)
    return data


def user_of(actor: Actor) -> User:
    assert actor.user is not None
    return actor.user


def page(response: Any) -> str:
    return response.content.decode()


def refusals(user: User) -> int:
    return AuditEvent.objects.filter(actor_id=user.pk, outcome="refused").count()


@pytest.fixture
def names(editor: Actor, other_editor: Actor) -> None:
    """The two editors by name, so that the pages can be read for who did what."""
    for actor, (first, last) in ((editor, ("Eva", "Udir")), (other_editor, ("Ola", "Bufdir"))):
        user = user_of(actor)
        user.first_name, user.last_name = first, last
        user.save()


@pytest.fixture
def analyst(skien_analyst: User) -> Actor:
    return actor_for(skien_analyst)


# --- four eyes ---------------------------------------------------------------------------


def test_an_editor_drafts_through_the_form_and_lands_on_its_edit_page(
    editor: Actor, english_client: Browser
) -> None:
    client = english_client(user_of(editor))
    response = client.post(create_url("practices"), practice_form())
    practice = Practice.objects.get()
    assert response.status_code == 302
    assert response["Location"] == edit_url("practices", practice.pk)
    assert (practice.status, practice.version, practice.edited_by) == ("draft", 1, editor.user)
    assert practice.key == "tidiga-insatser-i-norrtalje"  # made from the title
    assert practice.sectors == ["school", "child_welfare"]
    follow = client.get(response["Location"])
    assert "The draft is saved." in page(follow)


def test_the_last_editor_gets_no_publish_button_and_is_refused(
    editor: Actor, english_client: Browser, draft: Callable[..., Entry], swedish: dict[str, Any]
) -> None:
    practice = draft(**swedish)
    client = english_client(user_of(editor))
    response = client.get(edit_url("practices", practice.pk))
    assert response.status_code == 200
    assert step_url("publish", "practices", practice.pk) not in page(response)
    assert "another editor publishes it" in page(response)
    desk = client.get(DESK)
    assert step_url("publish", "practices", practice.pk) not in page(desk)
    before = refusals(user_of(editor))
    refused = client.post(step_url("publish", "practices", practice.pk), {"version": "1"})
    assert refused.status_code == 403
    practice.refresh_from_db()
    assert practice.status == Status.DRAFT
    assert refusals(user_of(editor)) == before + 1


def test_another_editor_publishes_from_the_desk_and_the_entry_is_public(
    other_editor: Actor,
    english_client: Browser,
    draft: Callable[..., Entry],
    swedish: dict[str, Any],
) -> None:
    practice = draft(**swedish)
    client = english_client(user_of(other_editor))
    desk = client.get(DESK)
    assert step_url("publish", "practices", practice.pk) in page(desk)
    response = client.post(
        step_url("publish", "practices", practice.pk), {"version": "1", "next": DESK}
    )
    assert (response.status_code, response["Location"]) == (302, DESK)
    practice.refresh_from_db()
    assert (practice.status, practice.published_by) == ("published", other_editor.user)
    assert list(selectors.published_practices()) == [practice]
    assert "is published" in page(client.get(DESK))


def test_an_edit_of_a_published_entry_makes_it_a_draft_again(
    editor: Actor,
    english_client: Browser,
    publish_entry: Callable[..., Entry],
    swedish: dict[str, Any],
) -> None:
    practice = publish_entry(**swedish)
    client = english_client(user_of(editor))
    form = client.get(edit_url("practices", practice.pk))
    assert "Saving a change makes it a draft again" in page(form)
    response = client.post(
        edit_url("practices", practice.pk), {**loaded(form), "results": "Färre orosanmälningar."}
    )
    assert response.status_code == 302
    practice.refresh_from_db()
    assert (practice.status, practice.version, practice.results) == (
        "draft",
        3,
        "Färre orosanmälningar.",
    )
    assert not selectors.published_practices().exists()


def test_an_editor_withdraws_a_published_entry(
    editor: Actor,
    english_client: Browser,
    publish_entry: Callable[..., Entry],
    swedish: dict[str, Any],
) -> None:
    practice = publish_entry(**swedish)
    client = english_client(user_of(editor))
    form = client.get(edit_url("practices", practice.pk))
    assert step_url("withdraw", "practices", practice.pk) in page(form)
    response = client.post(step_url("withdraw", "practices", practice.pk), {"version": "2"})
    assert response.status_code == 302
    practice.refresh_from_db()
    assert practice.status == Status.WITHDRAWN
    assert "withdrawn from the public pages" in page(client.get(response["Location"]))


def test_publishing_a_stale_version_changes_nothing_and_says_who_saved(
    names: None,
    editor: Actor,
    other_editor: Actor,
    english_client: Browser,
    draft: Callable[..., Entry],
    swedish: dict[str, Any],
) -> None:
    practice = draft(**swedish)
    services.update_draft(practice, by=editor, fields={"results": "Nytt."}, expected_version=1)
    client = english_client(user_of(other_editor))
    response = client.post(step_url("publish", "practices", practice.pk), {"version": "1"})
    assert response["Location"] == edit_url("practices", practice.pk)
    practice.refresh_from_db()
    assert practice.status == Status.DRAFT
    assert "Eva Udir saved version 2" in page(client.get(response["Location"]))


def test_an_instrument_without_owner_is_not_published_and_the_reason_is_shown(
    other_editor: Actor, english_client: Browser, draft: Callable[..., Entry]
) -> None:
    instrument = draft(Instrument, title_nb="Veileder", kind="guide")
    client = english_client(user_of(other_editor))
    response = client.post(step_url("publish", "instruments", instrument.pk), {"version": "1"})
    assert response.status_code == 302
    instrument.refresh_from_db()
    assert instrument.status == Status.DRAFT
    assert "Name at least one owner directorate." in page(client.get(response["Location"]))


# --- no lost work --------------------------------------------------------------------------


def test_a_conflict_keeps_the_second_editors_text_and_overwrites_nothing(
    names: None,
    editor: Actor,
    other_editor: Actor,
    english_client: Browser,
    draft: Callable[..., Entry],
    swedish: dict[str, Any],
) -> None:
    practice = draft(**swedish)
    url = edit_url("practices", practice.pk)
    first, second = english_client(user_of(other_editor)), english_client(user_of(editor))
    seen_by_first, seen_by_second = loaded(first.get(url)), loaded(second.get(url))
    assert (
        first.post(url, {**seen_by_first, "results": "Färre orosanmälningar."}).status_code == 302
    )

    response = second.post(url, {**seen_by_second, "lessons_learned": "Börja tidigt."})
    assert response.status_code == 409
    text = page(response)
    assert "Ola Bufdir saved version 2" in text
    assert "Börja tidigt." in text  # the second editor's text is kept in the form
    assert "Save anyway over version 2" in text
    assert re.search(r"<th scope=\"row\">Results</th><td>\(empty\)</td><td>Färre", text)
    practice.refresh_from_db()
    assert (practice.version, practice.results, practice.lessons_learned) == (
        2,
        "Färre orosanmälningar.",
        "",
    )
    assert Revision.objects.filter(entry_id=practice.pk).count() == 2

    again = loaded(response)
    assert again["version"] == "2"
    assert second.post(url, again).status_code == 302
    practice.refresh_from_db()
    assert (practice.version, practice.lessons_learned) == (3, "Börja tidigt.")


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"age_to": "30"}, "age_to", "less than or equal to 24"),
        ({"sectors": ["school", "astrology"]}, "sectors", "astrology is not one of"),
        ({"title": ""}, "title", "This field is required."),
        ({"age_from": "abc"}, "age_from", "Enter a whole number."),
        ({"country": "US"}, "country", "US is not one of"),
        ({"title": "x" * 10_000}, "title", "at most 200 characters"),
        ({"problem": "y" * 30_000}, "problem", "at most 20000 characters"),
        ({"key": "k" * 500}, "key", "at most 100 characters"),
        ({"key": "not a slug!"}, "key", "letters, numbers, underscores or hyphens"),
    ],
)
def test_bad_input_gets_a_message_by_its_field_and_nothing_is_written(
    editor: Actor, english_client: Browser, changes: dict[str, Any], field: str, message: str
) -> None:
    client = english_client(user_of(editor))
    response = client.post(create_url("practices"), practice_form(**changes))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert list(errors) == [field]
    with translation.override("en"):  # the messages are lazy: read in the page's language
        assert message in " ".join(errors[field])
    assert f'href="#id_{field}"' in page(response)  # the summary links to the field
    assert "Barnen fick hjälp för sent." in page(response) or field == "problem"
    assert not Practice.objects.exists() and not Revision.objects.exists()


def test_a_reversed_period_is_a_message_at_the_top_and_nothing_is_written(
    editor: Actor, english_client: Browser, udir: Any
) -> None:
    client = english_client(user_of(editor))
    response = client.post(
        create_url("instruments"),
        {
            "title_nb": "Tilskudd til 0–24-samarbeid",
            "kind": "grant_scheme",
            "owners": [udir.pk],
            "age_from": "0",
            "age_to": "24",
            "period_from": "2026-06-01",
            "period_to": "2026-01-01",
            "origin": "example",
        },
    )
    assert response.status_code == 400
    with translation.override("en"):
        assert response.context["form"].non_field_errors() == [
            "The period must end after it starts."
        ]
    assert "Tilskudd til 0–24-samarbeid" in page(response)
    assert not Instrument.objects.exists()


def test_an_instrument_is_owned_by_directorates_only(
    editor: Actor, english_client: Browser, teacher: User, udir: Any
) -> None:
    school = teacher.memberships.get().organisation
    client = english_client(user_of(editor))
    form = page(client.get(create_url("instruments")))
    assert f'value="{udir.pk}"' in form and school.name not in form
    response = client.post(
        create_url("instruments"),
        {
            "title_nb": "Veileder",
            "kind": "guide",
            "owners": [school.pk],
            "age_from": "0",
            "age_to": "24",
            "origin": "example",
        },
    )
    assert list(response.context["form"].errors) == ["owners"]
    assert not Instrument.objects.exists()


def test_a_broken_version_on_an_edit_is_a_message_and_the_text_is_kept_to_save_again(
    editor: Actor, english_client: Browser, draft: Callable[..., Entry], swedish: dict[str, Any]
) -> None:
    practice = draft(**swedish)
    client = english_client(user_of(editor))
    url = edit_url("practices", practice.pk)
    data = {**loaded(client.get(url)), "version": "abc", "results": "Sparas sedan."}
    response = client.post(url, data)
    assert response.status_code == 400
    assert "Sparas sedan." in page(response)
    practice.refresh_from_db()
    assert (practice.version, practice.results) == (1, "")
    assert client.post(url, loaded(response)).status_code == 302
    practice.refresh_from_db()
    assert (practice.version, practice.results) == (2, "Sparas sedan.")
    withdrawn = client.post(step_url("withdraw", "practices", practice.pk), {"version": "x"})
    assert withdrawn.status_code == 302
    assert "The page was out of date" in page(client.get(withdrawn["Location"]))


# --- the forms of the other kinds -----------------------------------------------------------


def test_every_field_of_every_form_is_laid_out_once(editor: Actor) -> None:
    for model, form_class in forms.FORMS.items():
        form = form_class(actor=editor)
        laid_out = [field.name for _heading, fields in form.groups() for field in fields]
        visible = [field.name for field in form.visible_fields()]
        assert sorted(laid_out) == sorted(visible), model
        workflow = {"status", "version", "edited_by", "edited_at", "published_by", "published_at"}
        assert not workflow & set(form.fields), model


def test_a_network_names_its_members_by_municipality_number(
    editor: Actor, english_client: Browser, skien: Region, porsgrunn: Region
) -> None:
    client = english_client(user_of(editor))
    data = {"name_nb": "Grenlandsnettverket", "members": "4003, 4001 ,4003", "origin": "example"}
    response = client.post(create_url("networks"), data)
    network = Network.objects.get()
    assert set(network.members.all()) == {skien, porsgrunn}
    shown = page(client.get(response["Location"]))
    assert 'value="4001, 4003"' in shown and "Skien (4003)" in shown

    wrong = client.post(create_url("networks"), {**data, "members": "4003, 9999, Oslo"})
    assert wrong.status_code == 400
    assert "No municipality has the number 9999, Oslo." in page(wrong)
    assert 'value="4003, 9999, Oslo"' in page(wrong)  # what was typed is kept
    assert Network.objects.count() == 1


def test_an_editor_names_an_initiatives_municipality_by_number_with_indicators_and_instruments(
    editor: Actor,
    english_client: Browser,
    skien: Region,
    publish_entry: Callable[..., Entry],
    udir: Any,
) -> None:
    indicator = Indicator.objects.create(
        code="test_dropout",
        name_nb="Frafall",
        name_en="Dropout",
        topic="education",
        unit="percent",
        publisher="SSB",
    )
    instrument = publish_entry(Instrument, title_nb="Veileder", kind="guide", owners=[udir])
    client = english_client(user_of(editor))
    form = page(client.get(create_url("initiatives")))
    assert 'name="municipality"' in form and 'value="test_dropout"' in form
    assert f'value="{instrument.pk}"' in form
    response = client.post(
        create_url("initiatives"),
        {
            "title_nb": "Los i Skien",
            "municipality": "4003",
            "indicators": ["test_dropout"],
            "instruments": [instrument.pk],
            "progress": "planned",
            "origin": "example",
        },
    )
    initiative = Initiative.objects.get()
    assert initiative.municipality == skien
    assert list(initiative.indicators.all()) == [indicator]
    assert list(initiative.instruments.all()) == [instrument]
    assert "Municipality: Skien (4003)" in page(client.get(response["Location"]))

    unknown = client.post(
        create_url("initiatives"),
        {
            "title_nb": "Ingen steder",
            "municipality": "9" * 1000,
            "progress": "planned",
            "origin": "example",
        },
    )
    assert list(unknown.context["form"].errors) == ["municipality"]
    nowhere = client.post(
        create_url("initiatives"),
        {
            "title_nb": "Ingen steder",
            "municipality": "",
            "progress": "planned",
            "origin": "example",
        },
    )
    with translation.override("en"):
        assert nowhere.context["form"].non_field_errors() == [
            "Name the municipality or the network."
        ]
    assert Initiative.objects.count() == 1


def test_a_learning_resource_links_published_practices(
    editor: Actor,
    english_client: Browser,
    publish_entry: Callable[..., Entry],
    draft: Callable[..., Entry],
    swedish: dict[str, Any],
) -> None:
    practice = publish_entry(**swedish)
    unpublished = draft(Practice, **{**swedish, "title": "Utkast", "key": "utkast"})
    client = english_client(user_of(editor))
    form = page(client.get(create_url("resources")))
    assert f'name="practices" value="{practice.pk}"' in form
    assert "Utkast" not in form
    response = client.post(
        create_url("resources"),
        {
            "title_nb": "Kurs i tidlig innsats",
            "kind": "course",
            "practices": [practice.pk],
            "origin": "example",
        },
    )
    assert response.status_code == 302
    assert list(Resource.objects.get().practices.all()) == [practice]
    refused = client.post(
        create_url("resources"),
        {
            "title_nb": "Kurs",
            "kind": "course",
            "practices": [unpublished.pk],
            "origin": "example",
        },
    )
    assert list(refused.context["form"].errors) == ["practices"]


# --- municipal authors ---------------------------------------------------------------------


def test_a_municipal_analyst_writes_their_own_municipalitys_initiative(
    skien_analyst: User, english_client: Browser, skien: Region
) -> None:
    client = english_client(skien_analyst)
    form = client.get(create_url("initiatives"))
    assert form.status_code == 200
    assert 'name="municipality"' not in page(form) and 'name="network"' not in page(form)
    assert "Municipality: Skien." in page(form)
    response = client.post(
        create_url("initiatives"),
        {
            "title_nb": "Los i Skien",
            "challenge_nb": "For mange dropper ut.",
            "progress": "planned",
            "origin": "example",
            "municipality": "4001",
        },
    )
    initiative = Initiative.objects.get()
    assert response["Location"] == edit_url("initiatives", initiative.pk)
    assert (initiative.municipality, initiative.edited_by) == (skien, skien_analyst)
    desk = page(client.get(DESK))
    assert "Los i Skien" in desk and "New development measure" in desk
    assert "New state instrument" not in desk


def test_a_municipal_analyst_cannot_move_their_initiative_to_another_municipality(
    analyst: Actor, english_client: Browser, skien: Region
) -> None:
    initiative = services.create_draft(
        Initiative, by=analyst, fields={"title_nb": "Los", "municipality": skien}
    )
    client = english_client(user_of(analyst))
    url = edit_url("initiatives", initiative.pk)
    data = {**loaded(client.get(url)), "municipality": "4001", "title_nb": "Los i Skien"}
    assert client.post(url, data).status_code == 302
    initiative.refresh_from_db()
    assert (initiative.municipality, initiative.title_nb) == (skien, "Los i Skien")


def test_a_municipal_analyst_is_refused_another_municipalitys_initiative(
    skien_analyst: User, english_client: Browser, draft: Callable[..., Entry], porsgrunn: Region
) -> None:
    initiative = draft(Initiative, title_nb="Los i Porsgrunn", municipality=porsgrunn)
    client = english_client(skien_analyst)
    url = edit_url("initiatives", initiative.pk)
    assert client.get(url).status_code == 403
    assert client.post(url, {"title_nb": "Kapret", "version": "1"}).status_code == 403
    assert client.get(step_url("history", "initiatives", initiative.pk)).status_code == 403
    assert (
        client.post(step_url("publish", "initiatives", initiative.pk), {"version": "1"}).status_code
        == 403
    )
    initiative.refresh_from_db()
    assert (initiative.title_nb, initiative.status) == ("Los i Porsgrunn", "draft")
    assert refusals(skien_analyst) == 4
    assert "Los i Porsgrunn" not in page(client.get(DESK))


def test_a_municipal_analyst_cannot_create_an_instrument(
    skien_analyst: User, english_client: Browser
) -> None:
    client = english_client(skien_analyst)
    assert client.get(create_url("instruments")).status_code == 403
    response = client.post(
        create_url("instruments"), {"title_nb": "Veileder", "kind": "guide", "origin": "example"}
    )
    assert response.status_code == 403
    assert not Instrument.objects.exists()
    event = AuditEvent.objects.filter(actor_id=skien_analyst.pk).latest("sequence")
    assert (event.outcome, event.action, event.object_type) == (
        "refused",
        "create",
        "catalogue.instrument",
    )


def test_a_municipal_analyst_cannot_edit_a_networks_initiative(
    skien_analyst: User, english_client: Browser, draft: Callable[..., Entry]
) -> None:
    network = draft(Network, name_nb="KS-nettverket")
    initiative = draft(Initiative, title_nb="Felles løft", network=network)
    client = english_client(skien_analyst)
    assert client.get(edit_url("initiatives", initiative.pk)).status_code == 403
    assert client.get(edit_url("networks", network.pk)).status_code == 403


# --- who may come in -----------------------------------------------------------------------


def test_a_professional_is_refused_every_editorial_page_and_each_refusal_is_audited(
    teacher: User, english_client: Browser, draft: Callable[..., Entry], swedish: dict[str, Any]
) -> None:
    practice = draft(**swedish)
    client = english_client(teacher)
    gets = [
        DESK,
        create_url("practices"),
        create_url("initiatives"),
        edit_url("practices", practice.pk),
        step_url("history", "practices", practice.pk),
    ]
    for url in gets:
        assert client.get(url).status_code == 403, url
    posts = [
        create_url("practices"),
        edit_url("practices", practice.pk),
        step_url("publish", "practices", practice.pk),
        step_url("withdraw", "practices", practice.pk),
    ]
    for url in posts:
        assert client.post(url, {**practice_form(), "version": "1"}).status_code == 403, url
    assert refusals(teacher) == len(gets) + len(posts)
    assert Practice.objects.get().version == 1


def test_a_visitor_is_sent_to_sign_in(
    client: Client, draft: Callable[..., Entry], swedish: dict[str, Any]
) -> None:
    practice = draft(**swedish)
    pk = practice.pk
    for url in (
        DESK,
        create_url("practices"),
        edit_url("practices", pk),
        step_url("history", "practices", pk),
    ):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    for url in (
        step_url("publish", "practices", pk),
        step_url("withdraw", "practices", pk),
        reverse("catalogue:adopt_practice", args=[pk]),
    ):
        response = client.post(url, {"version": "1"})
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert client.get(step_url("publish", "practices", pk)).status_code == 405


# --- the desk and the history ------------------------------------------------------------


def test_the_desk_shows_each_editor_what_waits_for_them(
    names: None,
    editor: Actor,
    other_editor: Actor,
    english_client: Browser,
    draft: Callable[..., Entry],
    publish_entry: Callable[..., Entry],
    swedish: dict[str, Any],
    udir: Any,
) -> None:
    mine = draft(Instrument, title_nb="Min veileder", kind="guide", owners=[udir])
    done = publish_entry(Network, name_nb="Publisert nettverk")
    desk = page(english_client(user_of(editor)).get(DESK))
    waiting, own, recent = (
        desk.split('id="mine-heading"')[0],
        desk.split('id="mine-heading"')[1].split('id="recent-heading"')[0],
        desk.split('id="recent-heading"')[1],
    )
    assert "Min veileder" in own and "Min veileder" not in waiting
    assert str(done) in recent and "Ola Bufdir" in recent
    assert reverse("catalogue:create", args=["resources"]) in desk
    other = page(english_client(user_of(other_editor)).get(DESK))
    assert step_url("publish", "instruments", mine.pk) in other


def test_the_desk_reads_the_same_number_of_queries_however_many_entries(
    editor: Actor, english_client: Browser, draft: Callable[..., Entry], swedish: dict[str, Any]
) -> None:
    client = english_client(user_of(editor))
    draft(Practice, **{**swedish, "key": "p0"})
    client.get(DESK)
    with CaptureQueriesContext(connection) as few:
        client.get(DESK)
    for n in range(1, 8):
        draft(Practice, **{**swedish, "key": f"p{n}"})
        draft(Network, name_nb=f"Nettverk {n}")
    with CaptureQueriesContext(connection) as many:
        assert client.get(DESK).status_code == 200
    assert len(many) == len(few)


def test_the_history_lists_every_change_with_who_and_when(
    names: None,
    editor: Actor,
    other_editor: Actor,
    english_client: Browser,
    draft: Callable[..., Entry],
    swedish: dict[str, Any],
) -> None:
    practice = draft(**swedish)
    practice = services.update_draft(
        practice, by=other_editor, fields={"results": "Færre bekymringer."}, expected_version=1
    )
    services.publish(practice, by=editor)
    response = english_client(user_of(editor)).get(step_url("history", "practices", practice.pk))
    text = page(response)
    v3, v2, v1 = (text.index(f'id="version-{n}"') for n in (3, 2, 1))
    assert v3 < v2 < v1  # the newest first
    assert "Version 3: Published" in text and "Version 1: Drafted" in text
    assert text.count("By Eva Udir at") == 2 and text.count("By Ola Bufdir at") == 1
    assert re.search(r"Results</th><td>\(empty\)</td><td>Færre bekymringer.</td>", text)
    assert re.search(r"Sectors</th><td>\(empty\)</td><td>School, Child welfare</td>", text)


# --- a practice becomes a draft development measure ------------------------------------------


def test_a_municipal_author_adopts_a_practice_as_a_draft_for_their_municipality(
    skien_analyst: User,
    english_client: Browser,
    publish_entry: Callable[..., Entry],
    swedish: dict[str, Any],
    skien: Region,
) -> None:
    practice = publish_entry(**swedish)
    client = english_client(skien_analyst)
    response = client.post(reverse("catalogue:adopt_practice", args=[practice.pk]))
    initiative = Initiative.objects.get()
    assert response["Location"] == edit_url("initiatives", initiative.pk)
    assert (initiative.municipality, initiative.status, initiative.edited_by) == (
        skien,
        "draft",
        skien_analyst,
    )
    assert initiative.title_nb == "Tidiga insatser i Norrtälje"
    source, problem = initiative.challenge_nb.split("\n\n")
    assert "«Tidiga insatser i Norrtälje»" in source  # says where it comes from, in bokmål
    assert problem == "Barnen fick hjälp för sent."
    assert initiative.goals_nb == "Skolan samarbetar med socialtjänsten kring barnen."
    assert initiative.sectors == ["school", "child_welfare"]
    assert "A draft development measure for Skien" in page(client.get(response["Location"]))


def test_an_editor_adopts_a_practice_for_the_municipality_they_name(
    editor: Actor,
    english_client: Browser,
    publish_entry: Callable[..., Entry],
    swedish: dict[str, Any],
    porsgrunn: Region,
) -> None:
    practice = publish_entry(**swedish)
    client = english_client(user_of(editor))
    url = reverse("catalogue:adopt_practice", args=[practice.pk])
    for wrong in ("", "9999", "x" * 5000):
        assert client.post(url, {"municipality": wrong}).status_code == 302
    assert not Initiative.objects.exists()
    client.post(url, {"municipality": "4001"})
    assert Initiative.objects.get().municipality == porsgrunn


def test_a_professional_cannot_adopt_a_practice_and_a_draft_cannot_be_adopted(
    teacher: User,
    skien_analyst: User,
    english_client: Browser,
    publish_entry: Callable[..., Entry],
    draft: Callable[..., Entry],
    swedish: dict[str, Any],
) -> None:
    practice = publish_entry(**swedish)
    assert (
        english_client(teacher)
        .post(reverse("catalogue:adopt_practice", args=[practice.pk]))
        .status_code
        == 403
    )
    assert refusals(teacher) == 1
    unpublished = draft(Practice, **{**swedish, "key": "utkast"})
    assert (
        english_client(skien_analyst)
        .post(reverse("catalogue:adopt_practice", args=[unpublished.pk]))
        .status_code
        == 404
    )
    assert not Initiative.objects.exists()


# --- hostile addresses -------------------------------------------------------------------


def test_an_unknown_kind_or_a_pk_of_another_kind_is_not_found(
    editor: Actor, english_client: Browser, draft: Callable[..., Entry], swedish: dict[str, Any]
) -> None:
    practice = draft(**swedish)
    client = english_client(user_of(editor))
    assert not Instrument.objects.filter(pk=practice.pk).exists()
    for url in (
        create_url("xyz"),
        edit_url("xyz", practice.pk),
        step_url("history", "xyz", practice.pk),
        edit_url("instruments", practice.pk),
        step_url("history", "instruments", practice.pk),
        edit_url("practices", 99_999),
        create_url("x" * 2000),
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(step_url("publish", "xyz", practice.pk), {"version": "1"}).status_code == 404
    assert (
        client.post(step_url("publish", "instruments", practice.pk), {"version": "1"}).status_code
        == 404
    )


def test_huge_numbers_and_long_strings_are_messages_not_errors(
    editor: Actor, english_client: Browser, draft: Callable[..., Entry], swedish: dict[str, Any]
) -> None:
    client = english_client(user_of(editor))
    huge = "9" * 30
    response = client.post(
        create_url("instruments"),
        {
            "title_nb": "Veileder",
            "kind": "guide",
            "owners": [huge, "-1", "x" * 3000],
            "age_from": "0",
            "age_to": huge,
            "origin": "example",
        },
    )
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"owners", "age_to"}
    initiative = client.post(
        create_url("initiatives"),
        {
            "title_nb": "Los",
            "municipality": "-1",
            "indicators": ["z" * 5000],
            "instruments": [huge],
            "network": huge,
            "progress": "planned",
            "origin": "example",
        },
    )
    assert set(initiative.context["form"].errors) == {
        "municipality",
        "indicators",
        "instruments",
        "network",
    }
    practice = draft(**swedish)
    url = edit_url("practices", practice.pk)
    garbage = client.post(url, {**loaded(client.get(url)), "version": huge})
    assert garbage.status_code == 400
    assert "did not say which version of the entry you worked from" in page(garbage)
    assert loaded(garbage)["version"] == "1"  # saving again works
    unknown = client.post(url, {**loaded(client.get(url)), "version": "7"})
    assert unknown.status_code == 409
    assert "The version you worked from is not known." in page(unknown)
    withdraw = client.post(step_url("withdraw", "practices", practice.pk), {"version": huge})
    assert withdraw.status_code == 302
    assert not Instrument.objects.exists() and not Initiative.objects.exists()
    practice.refresh_from_db()
    assert practice.version == 1
