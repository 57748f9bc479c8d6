"""Benchmark: importing a national JSON-stat 2.0 table, importing it again, and the profile page.

    .venv/bin/python bench/official_statistics.py    # SQLite: var/bench-statistics.sqlite3
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/samhandling_bench_statistics \
        .venv/bin/python bench/official_statistics.py

Builds, in an empty database, the region registry and 20 indicators, then a JSON-stat 2.0
dataset in the shape of an SSB table (Region × ContentsCode × Tid: 357 municipalities × 20
indicators × 20 years = 142,800 values, with a few ".." statuses). The values are SYNTHETIC,
made up for timing only: the indicators are marked as example values and the dataset says so
in its label, source and note. Then it times

- `importers.validate` (what the upload page does while the analyst waits),
- `importers.load` into the empty table (target < 2 s),
- `importers.load` of the same file again (every value unchanged),
- the profile page (/knowledge/regions/<code>/) through the whole Django stack with the test
  client, for BENCH_PROFILES municipalities (default 100): p50 and p95 (target p95 < 100 ms).

County and country values (16 regions × 20 × 20 = 6,400, untimed) are imported first, so that
every profile compares with its county and the country as a real one does. BENCH_YEARS and
BENCH_INDICATORS change the size; BENCH_PROFILE=1 prints where the first import's time goes
(cProfile, top functions by cumulative time).
"""

import cProfile
import io
import json
import os
import pstats
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
os.environ.setdefault("DEMO_MODE", "false")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench-statistics.sqlite3'}")
os.environ.setdefault("LOG_LEVEL", "ERROR")
os.environ.setdefault("AUDIT_CHECKPOINT_PATH", str(ROOT / "var" / "bench-audit-checkpoint.json"))

YEARS = int(os.environ.get("BENCH_YEARS", "20"))
INDICATORS = int(os.environ.get("BENCH_INDICATORS", "20"))
PROFILES = int(os.environ.get("BENCH_PROFILES", "100"))
SHOW_PROFILE = os.environ.get("BENCH_PROFILE", "") == "1"
FIRST_YEAR = 2027 - YEARS
SYNTHETIC = "SYNTHETIC VALUES for benchmarking only - not statistics from any publisher"

sys.path.insert(0, str(ROOT / "bench"))
from audit_record import ensure_database  # noqa: E402


def build_indicators() -> list[str]:
    """20 indicators, marked as example values; their SSB-style source codes (BENCH01 …)."""
    from samhandling.insight.models import Indicator, Topic

    topics = [t.value for t in Topic if t != Topic.COORDINATION]
    codes = []
    for n in range(1, INDICATORS + 1):
        source = f"BENCH{n:02d}"
        Indicator.objects.create(
            code=f"bench_{n:02d}", name_nb=f"Syntetisk indikator {n}",
            name_en=f"Synthetic indicator {n}", description_en=SYNTHETIC,
            description_nb=SYNTHETIC, topic=topics[n % len(topics)], unit="percent",
            better=("higher", "lower", "neither")[n % 3], publisher="Benchmark (synthetic)",
            source_table="none", origin=Indicator.Origin.EXAMPLE, source_codes=[source],
        )  # fmt: skip
        codes.append(source)
    return codes


def dataset(regions: list[tuple[str, str]], contents: list[str], rng: random.Random) -> bytes:
    """A JSON-stat 2.0 dataset as SSB's PxWebApi v2 gives one, values in row-major order."""
    years = [str(year) for year in range(FIRST_YEAR, FIRST_YEAR + YEARS)]
    values: list[float | None] = []
    status: dict[str, str] = {}
    for _code, _name in regions:
        for _content in contents:
            level = rng.uniform(5, 60)
            for _year in years:
                level = max(0.0, level + rng.gauss(0, 1.5))
                if rng.random() < 0.002:  # now and then not available, as in real tables
                    status[str(len(values))] = ".."
                    values.append(None)
                else:
                    values.append(round(level, 1))
    document = {
        "version": "2.0",
        "class": "dataset",
        "label": f"Benchmark table: region, contents and year ({SYNTHETIC})",
        "source": SYNTHETIC,
        "updated": "2026-11-26T00:00:00Z",
        "note": [SYNTHETIC],
        "id": ["Region", "ContentsCode", "Tid"],
        "size": [len(regions), len(contents), len(years)],
        "role": {"geo": ["Region"], "time": ["Tid"], "metric": ["ContentsCode"]},
        "dimension": {
            "Region": {
                "label": "region",
                "category": {
                    "index": {code: n for n, (code, _name) in enumerate(regions)},
                    "label": dict(regions),
                },
            },
            "ContentsCode": {
                "label": "contents",
                "category": {
                    "index": {code: n for n, code in enumerate(contents)},
                    "label": {code: f"Synthetic {code}" for code in contents},
                    "unit": {code: {"base": "prosent", "decimals": 1} for code in contents},
                },
            },
            "Tid": {
                "label": "year",
                "category": {
                    "index": {year: n for n, year in enumerate(years)},
                    "label": {year: year for year in years},
                },
            },
        },
        "extension": {"px": {"tableid": "BENCH", "language": "no"}},
        "value": values,
        "status": status,
    }
    return json.dumps(document, separators=(",", ":")).encode()


def timed(call: object) -> tuple[float, float, object]:
    """(wall seconds, this process's CPU seconds, result). On a busy machine the CPU time is
    the steadier figure; on SQLite it includes the database's work, on PostgreSQL it does not."""
    started, cpu = time.perf_counter(), time.process_time()
    result = call()  # type: ignore[operator]
    return time.perf_counter() - started, time.process_time() - cpu, result


def pct(values: list[float], p: float) -> float:
    return values[min(len(values) - 1, int(len(values) * p))]


def main() -> None:
    ensure_database()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from samhandling.insight import importers
    from samhandling.organisations.models import Region

    call_command("migrate", verbosity=0)
    call_command("load_regions", verbosity=0, stdout=io.StringIO())
    contents = build_indicators()
    rng = random.Random(2024)
    norway = list(Region.objects.filter(country="NO").order_by("kind", "code")
                  .values_list("kind", "code", "name"))  # fmt: skip
    municipalities = [(code, name) for kind, code, name in norway if kind == "municipality"]
    above = [(code, name) for kind, code, name in norway if kind != "municipality"]
    national = dataset(municipalities, contents, rng)
    counties = dataset(above, contents, rng)
    values = len(municipalities) * len(contents) * YEARS

    print(f"statistics import and profile on {connection.vendor} "
          f"({connection.settings_dict['NAME']})")  # fmt: skip
    print(f"  dataset: {len(municipalities)} municipalities × {len(contents)} indicators × "
          f"{YEARS} years = {values:,} values, JSON-stat 2.0, "
          f"{len(national) / 1e6:.1f} MB (synthetic values)")  # fmt: skip
    first = importers.load(counties, "bench-counties.json")
    assert first.ok, first.errors[:5]

    seconds, cpu, (checked, _rows) = timed(lambda: importers.validate(national, "bench.json"))  # type: ignore[misc]
    assert checked.ok, checked.errors[:5]
    print(f"  validate (the upload page's check): {seconds:.2f} s (CPU {cpu:.2f} s)")

    profiler = cProfile.Profile() if SHOW_PROFILE else None
    if profiler:
        profiler.enable()
    seconds, cpu, result = timed(lambda: importers.load(national, "bench.json"))
    if profiler:
        profiler.disable()
    assert result.ok and result.created == values, (result.created, result.errors[:5])  # type: ignore[attr-defined]
    print(f"  import into an empty table: {seconds:.2f} s (CPU {cpu:.2f} s, "
          f"{values / seconds:,.0f} values/s), target < 2 s: "
          f"{'met' if seconds < 2 else 'NOT met'}")  # fmt: skip

    seconds, cpu, again = timed(lambda: importers.load(national, "bench.json"))
    counts = (again.created, again.updated, again.unchanged)  # type: ignore[attr-defined]
    assert counts == (0, 0, values), counts
    print(f"  the same file again: {seconds:.2f} s (CPU {cpu:.2f} s; 0 created, 0 updated, "
          f"{values:,} unchanged)")  # fmt: skip

    client = Client()
    codes = [code for code, _name in municipalities]
    chosen = [codes[n % len(codes)] for n in range(0, PROFILES * 7, 7)][:PROFILES]
    for code in chosen[:3]:  # warm up templates and connections
        assert client.get(f"/knowledge/regions/{code}/").status_code == 200
    timings, cpus = [], []
    for code in chosen:
        wall, cpu, response = timed(lambda code=code: client.get(f"/knowledge/regions/{code}/"))
        timings.append(wall * 1000)
        cpus.append(cpu * 1000)
        assert response.status_code == 200, (code, response.status_code)  # type: ignore[attr-defined]
    timings.sort()
    cpus.sort()
    print(f"  profile page, {len(chosen)} municipalities: p50 {pct(timings, 0.5):.1f} ms, "
          f"p95 {pct(timings, 0.95):.1f} ms, mean {statistics.mean(timings):.1f} ms "
          f"(CPU p50 {pct(cpus, 0.5):.1f} ms, p95 {pct(cpus, 0.95):.1f} ms), "
          f"target p95 < 100 ms: {'met' if pct(timings, 0.95) < 100 else 'NOT met'}")  # fmt: skip
    print(f"  load average during the run: {os.getloadavg()[0]:.1f} "
          f"(on {os.cpu_count()} CPUs; above that, wall times wait for the CPU)")  # fmt: skip

    if profiler:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(25)
        print(out.getvalue())


if __name__ == "__main__":
    main()
