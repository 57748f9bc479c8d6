"""Loads the real statistics shipped with the project (`insight/data/`, see its SOURCES.md)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from samhandling.insight import sources
from samhandling.organisations.models import Region


class Command(BaseCommand):
    help = (
        "Loads the indicator definitions, the municipal code changes to 2024 and the official "
        "statistics in insight/data/ (population 0-24 for every municipality, FHI/SSB indicators "
        "for Telemark, NAV's reduced work capacity 18-29 by county). Each file is loaded all or "
        "nothing; running it again changes nothing."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        if not Region.objects.filter(country="NO", kind=Region.Kind.MUNICIPALITY).exists():
            raise CommandError("No municipalities to load statistics for: run load_regions first.")
        started = time.perf_counter()
        outcomes = sources.load_all()
        for outcome in outcomes:
            self.stdout.write(
                f"{outcome.name}: {outcome.rows} rows, {outcome.created} created, "
                f"{outcome.updated} updated, {outcome.unchanged} unchanged "
                f"({outcome.seconds:.1f} s)"
            )
            for problem in outcome.warnings:
                self.stdout.write(f"  warning, {problem.position}: {problem.message}")
            for problem in outcome.errors:
                self.stderr.write(f"  {outcome.name}, {problem.position}: {problem.message}")
        failed = [outcome.name for outcome in outcomes if not outcome.ok]
        if failed:
            raise CommandError(f"Not loaded (nothing written from these): {', '.join(failed)}")
        created = sum(outcome.created for outcome in outcomes)
        updated = sum(outcome.updated for outcome in outcomes)
        self.stdout.write(
            f"Statistics: {created} created, {updated} updated "
            f"in {time.perf_counter() - started:.1f} s."
        )
