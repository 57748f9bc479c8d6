"""Benchmark: the catalogue's public pages with a national catalogue and a Nordic experience bank.

    make bench                    # PostgreSQL (database samhandling_bench) and SQLite
    DATABASE_URL=sqlite:///var/bench-catalogue.sqlite3 .venv/bin/python bench/catalogue_pages.py

Builds, in an empty database, 2,000 practices in the Nordic languages, 600 state instruments
of five directorates, 300 development measures and 40 networks (bulk inserts: benchmark data,
not a production path), then requests each page through the whole Django stack as an
anonymous visitor. Prints p50 and p95 in milliseconds. Target: p95 < 100 ms.
"""

import gc
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "samhandling.config.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz")
os.environ.setdefault("HTTPS", "false")
os.environ.setdefault("REQUIRE_2FA", "false")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/samhandling_bench")
os.environ.setdefault("LOG_LEVEL", "ERROR")
os.environ.setdefault("RATE_LIMIT_PUBLIC_SEARCH", "off")  # measured: the pages, not the limiter
os.environ.setdefault("AUDIT_CHECKPOINT_PATH", str(ROOT / "var" / "bench-audit-checkpoint.json"))

PRACTICES = int(os.environ.get("BENCH_PRACTICES", "2000"))
INSTRUMENTS = int(os.environ.get("BENCH_INSTRUMENTS", "600"))
INITIATIVES = int(os.environ.get("BENCH_INITIATIVES", "300"))
NETWORKS = int(os.environ.get("BENCH_NETWORKS", "40"))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "60"))

sys.path.insert(0, str(ROOT / "bench"))
from audit_record import ensure_database  # noqa: E402

# A sentence per language, so that each practice is searched with its own dictionary.
TEXTS = {
    "nb": ("Skolen og barneverntjenesten samarbeider tidlig om barna", "samarbeid"),
    "sv": ("Skolan samarbetar med socialtjänsten kring barnen och familjerna", "socialtjänster"),
    "da": ("Skolen samarbejder med kommunens sundhedspleje om børnene", "sundhedsplejen"),
    "fi": ("Koulu ja sosiaalitoimi tekevät yhteistyötä lasten kanssa", "yhteistyö"),
    "en": ("The school works with child welfare services early for the children", "services"),
    "is": ("Skólinn vinnur með barnaverndinni að velferð barna", "barnaverndinni"),
}
COUNTRY_OF = {"nb": "NO", "sv": "SE", "da": "DK", "fi": "FI", "en": "AX", "is": "IS"}


def build(rng: random.Random) -> list[str]:
    from django.core.management import call_command
    from django.utils import timezone

    from samhandling.accounts.models import User
    from samhandling.catalogue.models import (
        Initiative,
        Instrument,
        Network,
        Practice,
        Status,
        TargetGroup,
    )
    from samhandling.catalogue.selectors import refresh_search_vectors
    from samhandling.organisations.models import Organisation, Region, Sector

    call_command("migrate", verbosity=0)
    call_command("load_regions", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    editor = User.objects.create_user("bench-editor", password=None)
    now = timezone.now()
    published = {"status": Status.PUBLISHED, "edited_by": editor, "edited_at": now,
                 "published_by": editor, "published_at": now}  # fmt: skip
    directorates = [
        Organisation.objects.create(
            name=f"Directorate {short}", short_name=short, kind=Organisation.Kind.DIRECTORATE
        )  # fmt: skip
        for short in ("Udir", "IMDi", "Hdir", "Bufdir", "Nav")
    ]
    municipalities = list(Region.objects.filter(kind="municipality", country="NO"))
    sectors, groups = list(Sector.values), list(TargetGroup.values)

    def some(values: list[str], most: int) -> list[str]:
        return rng.sample(values, rng.randint(1, most))

    def ages() -> tuple[int, int]:
        low = rng.randint(0, 20)
        return low, rng.randint(low, 24)

    languages = list(TEXTS)
    practices = []
    for i in range(PRACTICES):
        language = languages[i % len(languages)]
        text, _word = TEXTS[language]
        low, high = ages()
        practices.append(Practice(
            key=f"practice-{i}", title=f"{text.split()[0]} {i}", country=COUNTRY_OF[language],
            level=rng.choice(Practice.Level.values), language=language, problem=text,
            what_was_done=f"{text}. " * 6, results=text, sectors=some(sectors, 3),
            target_groups=some(groups, 2), evidence_level=rng.choice(Practice.Evidence.values),
            age_from=low, age_to=high, **published))  # fmt: skip
    Practice.objects.bulk_create(practices, batch_size=1000)
    instruments = []
    for i in range(INSTRUMENTS):
        low, high = ages()
        instruments.append(Instrument(
            key=f"instrument-{i}", title_nb=f"Tilskudd til samarbeid {i}",
            summary_nb="Tilskudd til kommuner som samarbeider om barn og unge. " * 4,
            kind=rng.choice(Instrument.Kind.values), sectors=some(sectors, 3),
            target_groups=some(groups, 2), age_from=low, age_to=high, **published))  # fmt: skip
    instruments = Instrument.objects.bulk_create(instruments, batch_size=1000)
    through = Instrument.owners.through
    through.objects.bulk_create(
        through(instrument_id=instrument.pk, organisation_id=owner.pk)
        for instrument in instruments
        for owner in rng.sample(directorates, rng.randint(1, 2))
    )
    networks = Network.objects.bulk_create(
        Network(
            key=f"network-{i}", name_nb=f"Nettverk {i}", purpose_nb="Lære sammen. " * 5, **published
        )  # fmt: skip
        for i in range(NETWORKS)
    )
    members = Network.members.through
    members.objects.bulk_create(
        members(network_id=network.pk, region_id=region.pk)
        for network in networks
        for region in rng.sample(municipalities, 7)
    )
    Initiative.objects.bulk_create(
        Initiative(
            key=f"initiative-{i}",
            title_nb=f"Tidlig innsats {i}",
            municipality=rng.choice(municipalities),
            challenge_nb="Frafall. " * 10,
            sectors=some(sectors, 3),
            **published,
        )  # fmt: skip
        for i in range(INITIATIVES)
    )
    for kind in (Practice, Instrument, Initiative, Network):  # what the services do after a save
        refresh_search_vectors(kind.objects.all())
    some_practice = Practice.objects.order_by("pk").first()
    some_network = networks[0]
    some_instrument = instruments[0]
    assert some_practice is not None
    return [
        "/catalogue/",
        "/catalogue/instruments/",
        "/catalogue/instruments/?q=samarbeid",
        "/catalogue/instruments/?sector=school&age=15",
        "/catalogue/instruments/coordination/",
        f"/catalogue/instruments/{some_instrument.pk}/",
        "/catalogue/initiatives/",
        "/catalogue/networks/",
        f"/catalogue/networks/{some_network.pk}/",
        "/catalogue/practices/",
        "/catalogue/practices/?q=socialtjänster",
        "/catalogue/practices/?country=SE&country=DK&sector=school",
        f"/catalogue/practices/{some_practice.pk}/",
        "/api/v1/practices?q=socialtj%C3%A4nster",
        "/api/v1/instruments?sector=school",
    ]


def main() -> None:
    ensure_database()
    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    rng = random.Random(24)
    started = time.perf_counter()
    paths = build(rng)
    built = time.perf_counter() - started
    client = Client()
    for path in paths:  # warm up templates, connections and caches of compiled queries
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
    gc.freeze()  # as samhandling.config.wsgi does once the application is loaded

    def pct(values: list[float], p: float) -> float:
        return values[min(len(values) - 1, int(len(values) * p))]

    print(f"catalogue pages on {connection.vendor}: {PRACTICES} practices, {INSTRUMENTS} "
          f"instruments, {INITIATIVES} development measures, {NETWORKS} networks "
          f"(built in {built:.1f} s); {REQUESTS} requests each")  # fmt: skip
    worst = 0.0
    for path in paths:
        timings = []
        for _ in range(REQUESTS):
            start = time.perf_counter()
            response = client.get(path)
            timings.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, (path, response.status_code)
        timings.sort()
        worst = max(worst, pct(timings, 0.95))
        print(f"  {path:<62} p50 {statistics.median(timings):6.1f} ms"
              f"   p95 {pct(timings, 0.95):6.1f} ms")  # fmt: skip
    print(f"  worst p95 {worst:.1f} ms (target < 100 ms): {'met' if worst < 100 else 'NOT met'}")


if __name__ == "__main__":
    main()
