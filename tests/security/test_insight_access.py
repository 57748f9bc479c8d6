"""Who works in the knowledge base: the roles that the five actors of the authorisation matrix
(all professionals and service leaders, who are refused) do not have.

- a municipal analyst writes the commentary of their own municipality only, imports official
  statistics and downloads the aggregates for research;
- a directorate editor imports and downloads, but writes no municipality's commentary;
- a professional does none of it (refused, and the refusal is in the audit log).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from matrix_world import knowledge_base

from samhandling.accounts.models import User
from samhandling.audit.models import AuditEvent
from samhandling.insight.models import Commentary
from samhandling.organisations.models import Organisation, Region, Role

pytestmark = pytest.mark.django_db

WORK_PAGES = ("imports", "import_detail", "import_progress", "research", "research_download")


@pytest.fixture
def ids(skien: Region) -> dict[str, Any]:
    return knowledge_base(Region.objects.select_related("parent__parent").get(pk=skien.pk))


@pytest.fixture
def analyst(skien: Region, make_user: Callable[..., User]) -> User:
    administration = Organisation.objects.create(
        name="Skien kommune", kind=Organisation.Kind.MUNICIPALITY, municipality=skien
    )
    return make_user(administration, Role.ANALYST, username="analyst")


@pytest.fixture
def editor(make_user: Callable[..., User]) -> User:
    bufdir = Organisation.objects.create(name="Bufdir", kind=Organisation.Kind.DIRECTORATE)
    return make_user(bufdir, Role.DIRECTORATE_EDITOR, username="editor")


def work_url(name: str, ids: dict[str, Any]) -> str:
    """The page with the world's import, and for the download a valid choice."""
    if name in ("import_detail", "import_progress"):
        return reverse(f"insight:{name}", args=[ids["batch_id"]])
    url = reverse(f"insight:{name}")
    if name == "research_download":
        url += f"?municipality={ids['municipality']}&quarter={ids['quarter']}&format=csv"
    return url


def write_commentary(client: Client, code: str) -> Any:
    url = reverse("insight:commentary", args=[code])
    return client.post(url, {"text": "Fewer young people drop out", "based_on": 0})


def refused_events(user: User) -> int:
    return AuditEvent.objects.filter(actor_id=user.pk, outcome="refused").count()


def test_an_analyst_writes_the_commentary_of_their_own_municipality(
    ids: dict[str, Any], analyst: User, skien: Region, signed_in: Callable[[User], Client]
) -> None:
    response = write_commentary(signed_in(analyst), "4003")
    assert response.status_code == 302
    assert response["Location"] == reverse("insight:commentary", args=["4003"])
    assert Commentary.objects.get(region=skien).written_by == analyst


def test_an_analyst_may_not_write_another_municipality_s_commentary(
    ids: dict[str, Any], analyst: User, signed_in: Callable[[User], Client]
) -> None:
    before = refused_events(analyst)
    assert write_commentary(signed_in(analyst), "4001").status_code == 403
    assert not Commentary.objects.exists()
    assert refused_events(analyst) == before + 1


def test_a_directorate_editor_writes_no_commentary(
    ids: dict[str, Any], editor: User, signed_in: Callable[[User], Client]
) -> None:
    assert write_commentary(signed_in(editor), "4003").status_code == 403
    assert not Commentary.objects.exists()
    assert refused_events(editor) == 1


@pytest.mark.parametrize("name", WORK_PAGES)
def test_an_analyst_imports_and_downloads_for_research(
    ids: dict[str, Any], analyst: User, signed_in: Callable[[User], Client], name: str
) -> None:
    response = signed_in(analyst).get(work_url(name, ids))
    assert response.status_code == 200, response.content[:500]
    assert refused_events(analyst) == 0


@pytest.mark.parametrize("name", WORK_PAGES)
def test_a_directorate_editor_imports_and_downloads_for_research(
    ids: dict[str, Any], editor: User, signed_in: Callable[[User], Client], name: str
) -> None:
    response = signed_in(editor).get(work_url(name, ids))
    assert response.status_code == 200, response.content[:500]
    assert refused_events(editor) == 0


@pytest.mark.parametrize("name", WORK_PAGES)
def test_a_professional_neither_imports_nor_downloads(
    ids: dict[str, Any], teacher: User, signed_in: Callable[[User], Client], name: str
) -> None:
    before = refused_events(teacher)
    assert signed_in(teacher).get(work_url(name, ids)).status_code == 403
    assert refused_events(teacher) == before + 1
