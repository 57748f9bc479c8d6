"""Deterministic synthetic demo data: Skien with its services, one user per role, ~200 children,
about 25 coordination cases built with the real services (samhandling.demo.cases), and
a school in Porsgrunn with one teacher, so that a professional of another municipality exists.
The catalogue is imported from catalogue/data/demo_catalogue.json by one directorate editor and
published by another (four eyes): only its entries marked official state facts about the 0–24
programme; every other entry is an example.

Every person is synthetic: names are drawn from common Norwegian first and family names and
combined at random, addresses are invented, and every identity number is a synthetic one
(month + 80), valid by checksum but never a real person. A second run changes nothing.
"""

import datetime
import json
import random
from pathlib import Path
from typing import Any

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from samhandling import catalogue
from samhandling.accounts.models import User
from samhandling.audit import services as audit
from samhandling.audit.context import bound
from samhandling.catalogue import interchange
from samhandling.catalogue.kinds import KINDS
from samhandling.coordination.models import Case
from samhandling.demo.cases import build
from samhandling.demo.coordination import DemoCases, children_in
from samhandling.organisations.actors import actor_for
from samhandling.organisations.models import Membership, Organisation, Region, Role, Sector
from samhandling.people.identity import synthetic_norwegian_id
from samhandling.people.models import AddressProtection, FamilyRelation, Person

DEMO_MUNICIPALITY = "4003"  # Skien, Telemark: real indicators exist for it in the knowledge base
NEIGHBOUR_MUNICIPALITY = "4001"  # Porsgrunn: one school and one teacher, never in Skien's cases
DEMO_PASSWORD = "demo-0-24-passord"  # noqa: S105 - demo only, printed by `make run`
REFERENCE_DATE = datetime.date(2026, 11, 26)  # ages are computed against this, for determinism
DEMO_CATALOGUE = Path(catalogue.__file__).parent / "data" / "demo_catalogue.json"

SERVICES = [
    (Sector.KINDERGARTEN, "Eksempel barnehage, Skien (demo)"),
    (Sector.SCHOOL, "Eksempel ungdomsskole, Skien (demo)"),
    (Sector.SCHOOL_HEALTH, "Skolehelsetjenesten, Skien (demo)"),
    (Sector.FAMILY_HEALTH, "Helsestasjonen, Skien (demo)"),
    (Sector.CHILD_WELFARE, "Barneverntjenesten, Skien (demo)"),
    (Sector.NAV, "NAV Skien (demo)"),
    (Sector.PPT, "PPT Skien (demo)"),
    (Sector.MENTAL_HEALTH, "Psykisk helse og rus barn og unge, Skien (demo)"),
    (Sector.INTEGRATION, "Flyktning- og integreringstjenesten, Skien (demo)"),
    (Sector.CULTURE_LEISURE, "Kultur og fritid, Skien (demo)"),
    (Sector.POLICE, "Politiets forebyggende enhet, Skien (demo)"),
]

# username, first name, last name, sector (for professionals), job title
PROFESSIONALS = [
    ("barnehage", "Berit", "Barnehagelærer", Sector.KINDERGARTEN, "Pedagogisk leder"),
    ("laerer", "Lars", "Lærer", Sector.SCHOOL, "Kontaktlærer"),
    ("helsesykepleier", "Hanne", "Helsesykepleier", Sector.SCHOOL_HEALTH, "Helsesykepleier"),
    ("helsestasjon", "Heidi", "Helsestasjon", Sector.FAMILY_HEALTH, "Helsesykepleier"),
    ("barnevern", "Bjørn", "Barnevern", Sector.CHILD_WELFARE, "Saksbehandler"),
    ("nav", "Nina", "Veileder", Sector.NAV, "Veileder ungdom"),
    ("ppt", "Per", "Rådgiver", Sector.PPT, "PP-rådgiver"),
    ("psykiskhelse", "Pia", "Psykolog", Sector.MENTAL_HEALTH, "Psykolog"),
    ("integrering", "Ida", "Integrering", Sector.INTEGRATION, "Programrådgiver"),
    ("kultur", "Kari", "Fritid", Sector.CULTURE_LEISURE, "Fritidskonsulent"),
    ("politi", "Paal", "Politikontakt", Sector.POLICE, "Politikontakt"),
]

DIRECTORATES = [
    ("Utdanningsdirektoratet", "Udir"),
    ("Integrerings- og mangfoldsdirektoratet", "IMDi"),
    ("Helsedirektoratet", "Hdir"),
    ("Barne-, ungdoms- og familiedirektoratet", "Bufdir"),
    ("Arbeids- og velferdsdirektoratet", "NAV Arbeids- og velferdsdirektoratet"),
]

GIVEN_NAMES = [
    "Emma",
    "Nora",
    "Sofie",
    "Olivia",
    "Ella",
    "Leah",
    "Ingrid",
    "Maja",
    "Sara",
    "Frida",
    "Ada",
    "Amalie",
    "Hedda",
    "Tiril",
    "Selma",
    "Aurora",
    "Iben",
    "Mathilde",
    "Vilde",
    "Aisha",
    "Jakob",
    "Emil",
    "Noah",
    "Oliver",
    "Filip",
    "William",
    "Lucas",
    "Henrik",
    "Aksel",
    "Johannes",
    "Magnus",
    "Sander",
    "Isak",
    "Tobias",
    "Elias",
    "Mohammed",
    "Adam",
    "Theodor",
    "Kasper",
    "Jonas",
]
ADULT_GIVEN_NAMES = [
    "Anne",
    "Kristin",
    "Marianne",
    "Silje",
    "Camilla",
    "Hilde",
    "Tone",
    "Linda",
    "Mona",
    "Fatima",
    "Jan",
    "Per",
    "Geir",
    "Thomas",
    "Morten",
    "Espen",
    "Kjetil",
    "Trond",
    "Ali",
    "Stian",
]
FAMILY_NAMES = [
    "Hansen",
    "Johansen",
    "Olsen",
    "Larsen",
    "Andersen",
    "Pedersen",
    "Nilsen",
    "Kristiansen",
    "Jensen",
    "Karlsen",
    "Johnsen",
    "Pettersen",
    "Eriksen",
    "Berg",
    "Haugen",
    "Hagen",
    "Johannessen",
    "Andreassen",
    "Jacobsen",
    "Dahl",
    "Jørgensen",
    "Halvorsen",
    "Lund",
    "Moen",
    "Ahmed",
    "Hussein",
    "Nguyen",
    "Kowalski",
    "Ali",
    "Tesfay",
]
STREETS = ["Eksempelveien", "Demogata", "Prøvestien", "Testlia", "Fiktivbakken", "Syntetveien"]
LANGUAGES = ["nb", "nb", "nb", "nb", "nb", "nn", "en", "ar", "so", "uk", "pl", "ti"]


class Command(BaseCommand):
    help = "Loads deterministic synthetic demo data (idempotent; same --seed, same data)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=2024)
        parser.add_argument("--children", type=int, default=200)

    def handle(self, *args: Any, **options: Any) -> None:
        with bound(channel="command"), transaction.atomic():
            self._seed(options["seed"], options["children"])

    def _seed(self, seed: int, children: int) -> None:
        try:
            skien = Region.objects.get(country="NO", kind="municipality", code=DEMO_MUNICIPALITY)
            porsgrunn = Region.objects.get(
                country="NO", kind="municipality", code=NEIGHBOUR_MUNICIPALITY
            )
        except Region.DoesNotExist as exc:
            raise CommandError("Load the regions first: python manage.py load_regions") from exc
        organisations = self._organisations(skien, porsgrunn)
        users = self._users(organisations)
        created = self._people(skien, random.Random(seed), children)
        cases = self._cases(skien, organisations, users, seed)
        quarters = self._aggregates()
        entries = self._catalogue()
        self.stdout.write(
            f"Demo data: {len(organisations)} organisations, {len(users)} users, "
            f"{created} children with families and {cases} cases created (Skien); "
            f"coordination aggregates for {', '.join(quarters)}; "
            f"{entries} catalogue entries imported and published."
        )

    def _catalogue(self) -> int:
        """The demo catalogue, drafted by one directorate editor and published by another; only
        the entries whose keys the catalogue does not have yet."""
        from samhandling.insight import sources

        sources.load_definitions()  # the development measures name indicators by their codes
        document = json.loads(DEMO_CATALOGUE.read_text(encoding="utf-8"))
        for kind, model in KINDS.items():
            keys = {entry["key"] for entry in document[kind]}
            known = set(model._default_manager.filter(key__in=keys).values_list("key", flat=True))
            document[kind] = [entry for entry in document[kind] if entry["key"] not in known]
        if not any(document[kind] for kind in KINDS):
            return 0
        result = interchange.import_catalogue(
            document,
            by=actor_for(User.objects.get(username="redaktor"), channel="command"),
            publish_by=actor_for(User.objects.get(username="redaktor2"), channel="command"),
        )
        if not result.ok:
            problems = "\n".join(str(problem) for problem in result.problems)
            raise CommandError(f"The demo catalogue could not be imported:\n{problems}")
        return result.published

    def _aggregates(self) -> list[str]:
        """The coordination work's anonymous figures for this quarter (as it stands) and the
        three before it, as the scheduled task would have published them."""
        from samhandling.insight import aggregates

        quarter = aggregates.Quarter.current()
        chosen = [quarter]
        for _step in range(3):
            chosen.append(chosen[-1].previous)
        for each in chosen:
            aggregates.compute(str(each))
        return [str(each) for each in reversed(chosen)]

    def _cases(
        self, skien: Region, orgs: dict[str, Organisation], users: list[User], seed: int
    ) -> int:
        """Coordination data, written through the services as the demo users; once only."""
        if Case.objects.filter(municipality=skien).exists():
            return 0
        demo = DemoCases(
            today=timezone.localdate(),
            reference_date=REFERENCE_DATE,
            users={user.username: user for user in users},
            orgs=orgs,
            pool=children_in(skien.pk),
            seed=seed,
        )
        return build(demo)

    def _organisations(self, skien: Region, porsgrunn: Region) -> dict[str, Organisation]:
        orgs: dict[str, Organisation] = {}
        orgs["municipality"], _ = Organisation.objects.get_or_create(
            name="Skien kommune (demo)",
            kind=Organisation.Kind.MUNICIPALITY,
            defaults={"municipality": skien},
        )
        for sector, name in SERVICES:
            orgs[sector], _ = Organisation.objects.get_or_create(
                name=name,
                kind=Organisation.Kind.SERVICE,
                defaults={"sector": sector, "municipality": skien},
            )
        orgs["primary_school"], _ = Organisation.objects.get_or_create(
            name="Eksempel barneskole, Skien (demo)",
            kind=Organisation.Kind.SERVICE,
            defaults={"sector": Sector.SCHOOL, "municipality": skien},
        )
        orgs["porsgrunn_school"], _ = Organisation.objects.get_or_create(
            name="Eksempel skole, Porsgrunn (demo)",
            kind=Organisation.Kind.SERVICE,
            defaults={"sector": Sector.SCHOOL, "municipality": porsgrunn},
        )
        for name, short in DIRECTORATES:
            orgs[short], _ = Organisation.objects.get_or_create(
                name=name,
                kind=Organisation.Kind.DIRECTORATE,
                defaults={"short_name": short},
            )
        orgs["KS"], _ = Organisation.objects.get_or_create(
            name="KS – Kommunesektorens organisasjon",
            kind=Organisation.Kind.OTHER,
            defaults={"short_name": "KS"},
        )
        return orgs

    def _users(self, orgs: dict[str, Organisation]) -> list[User]:
        specs = [
            (username, first, last, orgs[sector], Role.PROFESSIONAL, title)
            for username, first, last, sector, title in PROFESSIONALS
        ]
        specs += [
            ("leder", "Liv", "Leder", orgs[Sector.SCHOOL], Role.SERVICE_LEADER, "Rektor"),
            (
                "laerer_porsgrunn",
                "Pål",
                "Porsgrunn",
                orgs["porsgrunn_school"],
                Role.PROFESSIONAL,
                "Kontaktlærer",
            ),
            (
                "analytiker",
                "Anders",
                "Analytiker",
                orgs["municipality"],
                Role.ANALYST,
                "Rådgiver, kommuneplan",
            ),
            (
                "redaktor",
                "Rita",
                "Redaktør",
                orgs["Bufdir"],
                Role.DIRECTORATE_EDITOR,
                "Seniorrådgiver",
            ),
            (
                "redaktor2",
                "Ulrik",
                "Udir",
                orgs["Udir"],
                Role.DIRECTORATE_EDITOR,
                "Seniorrådgiver",
            ),
            (
                "admin",
                "Ask",
                "Administrator",
                orgs["municipality"],
                Role.SYSTEM_ADMIN,
                "Systemforvalter",
            ),
        ]
        users = []
        password_hash = make_password(DEMO_PASSWORD)  # hashed once: argon2 is slow on purpose
        for username, first, last, org, role, title in specs:
            user, created = User.objects.get_or_create(
                username=username,
                defaults={
                    "first_name": first,
                    "last_name": last,
                    "email": f"{username}@demo.invalid",
                    "is_staff": role == Role.SYSTEM_ADMIN,
                    "is_superuser": role == Role.SYSTEM_ADMIN,
                },
            )
            if created:
                user.password = password_hash
                user.save(update_fields=["password"])
            Membership.objects.get_or_create(
                user=user, organisation=org, role=role, defaults={"title": title}
            )
            users.append(user)
        return users

    def _people(self, skien: Region, rng: random.Random, children: int) -> int:
        if Person.objects.filter(municipality=skien).exists():
            return 0
        used_ids: set[str] = set()

        def new_person(
            given: str,
            family: str,
            born: datetime.date,
            protection: str,
            address: tuple[str, str, str],
        ) -> Person:
            number = synthetic_norwegian_id(born, rng)
            while number in used_ids:
                number = synthetic_norwegian_id(born, rng)
            used_ids.add(number)
            person = Person(
                given_name=given,
                family_name=family,
                date_of_birth=born,
                national_id=number,
                municipality=skien,
                preferred_language=rng.choice(LANGUAGES),
                address_protection=protection,
                street_address=address[0],
                postcode=address[1],
                post_town=address[2],
            )
            person.full_clean()
            person.save()
            audit.record(None, "create", person, reason="synthetic demo data")
            return person

        def relate(child: Person, relative: Person, kind: str, responsibility: bool) -> None:
            relation = FamilyRelation.objects.create(
                person=child,
                relative=relative,
                kind=kind,
                parental_responsibility=responsibility,
                municipality=skien,
            )
            audit.record(None, "create", relation, reason="synthetic demo data")

        created = 0
        while created < children:
            family = rng.choice(FAMILY_NAMES)
            address = (
                f"{rng.choice(STREETS)} {rng.randint(1, 120)}",
                f"37{rng.randint(10, 99)}",
                "Skien",
            )
            roll = rng.random()
            protection = (
                AddressProtection.STRICTLY_CONFIDENTIAL
                if roll < 0.015
                else AddressProtection.CONFIDENTIAL
                if roll < 0.04
                else AddressProtection.NONE
            )
            kids = [
                new_person(
                    rng.choice(GIVEN_NAMES), family, _birth_date(rng, 0, 24), protection, address
                )
                for _ in range(min(rng.choice([1, 1, 2, 2, 3]), children - created))
            ]
            created += len(kids)
            youngest_parent_born = min(k.date_of_birth for k in kids) - datetime.timedelta(
                days=365 * rng.randint(22, 40)
            )
            parents = [
                new_person(
                    rng.choice(ADULT_GIVEN_NAMES),
                    family,
                    youngest_parent_born - datetime.timedelta(days=rng.randint(0, 2000)),
                    protection,
                    address,
                )
                for _ in range(rng.choice([1, 2, 2, 2]))
            ]
            for kid in kids:
                for parent in parents:
                    relate(kid, parent, FamilyRelation.Kind.PARENT, False)
                    if kid.age_on(REFERENCE_DATE) < 18:
                        relate(kid, parent, FamilyRelation.Kind.GUARDIAN, True)
                for sibling in kids:
                    if sibling != kid:
                        relate(kid, sibling, FamilyRelation.Kind.SIBLING, False)
        return created


def _birth_date(rng: random.Random, min_age: int, max_age: int) -> datetime.date:
    days = rng.randint(min_age * 365 + 1, max_age * 365 + 364)
    return REFERENCE_DATE - datetime.timedelta(days=days)
