"""Who reviews the access log in the Django admin: the platform's superuser all of it, a
municipality's system administrator only the events about their own municipality."""

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from samhandling.accounts.models import User
from samhandling.audit import services as audit
from samhandling.audit.models import AuditEvent
from samhandling.audit.services import Subject
from samhandling.organisations.actors import actor_for
from samhandling.organisations.models import Organisation, Region, Role

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_second_factor(settings: Any) -> None:
    settings.REQUIRE_2FA = False


def _event_about(municipality: Region, teacher: User, object_id: str) -> AuditEvent:
    subject = Subject("people.person", object_id, person_id=int(object_id),
                      municipality_id=municipality.pk)  # fmt: skip
    return audit.record(actor_for(teacher), "view", subject)


def _listed(user: User) -> str:
    client = Client()
    client.force_login(user)
    response = client.get("/admin/audit/auditevent/")
    assert response.status_code == 200
    return response.content.decode()


def test_a_municipalitys_administrator_sees_only_its_events(
    teacher: User, skien: Region, porsgrunn: Region, make_user: Callable[..., User]
) -> None:
    ours = _event_about(skien, teacher, "424242")
    theirs = _event_about(porsgrunn, teacher, "737373")
    administration = Organisation.objects.create(
        name="Skien kommune", kind="municipality", municipality=skien
    )
    admin = make_user(administration, Role.SYSTEM_ADMIN, username="sysadmin", is_staff=True)
    page = _listed(admin)
    assert f">{ours.object_id}<" in page
    assert f">{theirs.object_id}<" not in page
    client = Client()
    client.force_login(admin)
    assert client.get(f"/admin/audit/auditevent/{theirs.pk}/change/").status_code in {302, 404}


def test_the_superuser_sees_every_municipalitys_events(
    teacher: User, skien: Region, porsgrunn: Region, make_user: Callable[..., User]
) -> None:
    ours = _event_about(skien, teacher, "424242")
    theirs = _event_about(porsgrunn, teacher, "737373")
    administration = Organisation.objects.create(
        name="Skien kommune", kind="municipality", municipality=skien
    )
    root = make_user(administration, Role.SYSTEM_ADMIN, username="root", is_staff=True,
                     is_superuser=True)  # fmt: skip
    page = _listed(root)
    assert f">{ours.object_id}<" in page and f">{theirs.object_id}<" in page


def test_a_professional_never_reaches_the_access_log(teacher: User) -> None:
    client = Client()
    client.force_login(teacher)
    assert client.get("/admin/audit/auditevent/").status_code == 302
