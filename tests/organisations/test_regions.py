import io
from collections.abc import Callable

from django.core.management import call_command
from django.test import Client

from samhandling.accounts.models import User
from samhandling.organisations.models import Region


def test_norway_has_15_counties_and_357_municipalities(regions: None) -> None:
    assert Region.objects.filter(country="NO", kind="county").count() == 15
    assert Region.objects.filter(country="NO", kind="municipality").count() == 357
    telemark = Region.objects.get(country="NO", kind="county", code="40")
    assert telemark.children.count() == 17


def test_the_nordic_countries_are_there_as_countries(regions: None) -> None:
    codes = set(Region.objects.filter(kind="country").values_list("code", flat=True))
    assert {"NO", "SE", "DK", "FI", "IS", "FO", "GL", "AX"} <= codes


def test_population_figures_come_from_the_published_totals(regions: None) -> None:
    norway = Region.objects.get(kind="country", code="NO")
    assert norway.population == 5_594_340  # SSB, 1 January 2025
    oslo = Region.objects.get(kind="municipality", code="0301")
    assert oslo.population == 724_290


def test_loading_twice_changes_nothing(regions: None) -> None:
    before = Region.objects.count()
    out = io.StringIO()
    call_command("load_regions", stdout=out)
    assert Region.objects.count() == before
    assert "0 created" in out.getvalue()


def test_the_region_page_is_public_and_lists_the_municipalities(regions: None) -> None:
    body = Client().get("/regions/").content.decode()
    assert "Skien" in body and "Vestvågøy" in body


def test_navigation_shows_each_role_only_what_it_may_use(
    teacher: User,
    skien: Region,
    make_user: Callable[..., User],
    signed_in: Callable[[User], Client],
) -> None:
    from samhandling.organisations.models import Organisation, Role

    municipality = Organisation.objects.create(
        name="Kommunen", kind="municipality", municipality=skien
    )
    analyst = make_user(municipality, Role.ANALYST, username="analyst")
    teacher_page = signed_in(teacher).get("/").content.decode()
    analyst_page = signed_in(analyst).get("/").content.decode()
    assert 'href="/people/"' in teacher_page
    assert 'href="/people/"' not in analyst_page
    assert 'href="/admin/"' not in teacher_page + analyst_page


def test_a_user_with_two_roles_can_switch_between_them(
    teacher: User,
    skien: Region,
    signed_in: Callable[[User], Client],
) -> None:
    from samhandling.organisations.models import Membership, Organisation, Role

    municipality = Organisation.objects.create(
        name="Kommunen", kind="municipality", municipality=skien
    )
    analyst_role = Membership.objects.create(
        user=teacher, organisation=municipality, role=Role.ANALYST
    )
    client = signed_in(teacher)
    assert 'href="/people/"' in client.get("/").content.decode()
    client.post("/accounts/membership/", {"membership": analyst_role.pk})
    assert 'href="/people/"' not in client.get("/").content.decode()
