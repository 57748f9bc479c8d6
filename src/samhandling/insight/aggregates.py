"""The coordination work's anonymous aggregates, per municipality and quarter (docs/aggregates.md).

This is the one place that reads the coordination tables for statistics (DESIGN.md: insight
reads only anonymous aggregates from coordination). It counts and groups in SQL; for the median
it reads, per case, only when the case was opened and when its first measure started. Nothing
that names or points to a person leaves `compute`: what it stores is counts, shares and medians
per municipality and quarter, after small-number suppression (insight.suppression). Because no
personal data is read out, it records no audit events.
"""

from __future__ import annotations

import datetime
import re
import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import models, transaction
from django.db.models import Count, Exists, F, Min, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from samhandling.coordination.models import (
    Case,
    Goal,
    Level,
    LevelChange,
    Measure,
    Referral,
    TeamMember,
    Transition,
)
from samhandling.organisations.models import Region, Sector

from . import suppression
from .models import Aggregate

# A transition counts as planned in time when it was registered at least this many days before
# it happens: a month gives the receiving service time to prepare (docs/aggregates.md).
PLANNED_AHEAD_DAYS = 30
DECIMALS = 1  # shares (per cent) and medians (days) are kept to one decimal
TOTAL = "total"
NO_TEAM = "none"
LEVELS = [str(level) for level in Level.values]
SECTORS = list(Sector.values)  # the order of a combination's sectors, and their bits

_QUARTER = re.compile(r"^(\d{4})Q([1-4])$")


@dataclass(frozen=True, order=True)
class Quarter:
    year: int
    number: int

    @classmethod
    def parse(cls, text: str) -> Quarter:
        match = _QUARTER.match(text.strip().upper().replace("K", "Q"))
        if not match:
            raise ValueError(f"not a quarter: {text!r} (write it as 2026Q3)")
        return cls(int(match[1]), int(match[2]))

    @classmethod
    def of(cls, day: datetime.date) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)

    @classmethod
    def current(cls) -> Quarter:
        return cls.of(timezone.localdate())

    def __str__(self) -> str:
        return f"{self.year}Q{self.number}"

    @property
    def previous(self) -> Quarter:
        return (
            Quarter(self.year - 1, 4) if self.number == 1 else Quarter(self.year, self.number - 1)
        )

    @property
    def next(self) -> Quarter:
        return (
            Quarter(self.year + 1, 1) if self.number == 4 else Quarter(self.year, self.number + 1)
        )

    @property
    def first_day(self) -> datetime.date:
        return datetime.date(self.year, 3 * self.number - 2, 1)

    @property
    def last_day(self) -> datetime.date:
        return self.next.first_day - datetime.timedelta(days=1)

    @property
    def start(self) -> datetime.datetime:
        """Midnight at the start of the first day, in the project's time zone."""
        return timezone.make_aware(datetime.datetime.combine(self.first_day, datetime.time.min))

    @property
    def end(self) -> datetime.datetime:
        return self.next.start


# --- the figures -------------------------------------------------------------------------------


def combination(mask: int) -> str:
    """The sectors of a team as a category: "school+school_health" (in the order of Sector)."""
    names = [sector for bit, sector in enumerate(SECTORS) if mask & (1 << bit)]
    return "+".join(names) or NO_TEAM


def _open_cases(as_of: datetime.datetime) -> Any:  # a QuerySet of Case with annotations
    """Cases open at `as_of`, with their level then, the sectors of their team then (as bits),
    and whether their plan then had a goal or a measure."""
    level_then = Subquery(
        LevelChange.objects.filter(case=OuterRef("pk"), changed_at__lt=as_of)
        .order_by("-changed_at", "-pk")
        .values("to_level")[:1]
    )
    bit = models.Case(
        *[
            models.When(organisation__sector=sector, then=Value(1 << index))
            for index, sector in enumerate(SECTORS)
        ],
        default=Value(0),
        output_field=models.IntegerField(),
    )
    team_then = Subquery(
        TeamMember.objects.filter(case=OuterRef("pk"), joined_at__lt=as_of)
        .filter(Q(left_at__isnull=True) | Q(left_at__gte=as_of))
        .order_by()
        .values("case")
        .annotate(mask=Sum(bit, distinct=True))
        .values("mask")[:1]
    )
    return (
        Case.objects.filter(opened_at__lt=as_of)
        .filter(Q(closed_at__isnull=True) | Q(closed_at__gte=as_of))
        .annotate(
            level_then=Coalesce(level_then, F("level")),
            team_then=Coalesce(team_then, Value(0)),
            has_goal=Exists(Goal.objects.filter(plan__case=OuterRef("pk"), created_at__lt=as_of)),
            has_measure=Exists(
                Measure.objects.filter(plan__case=OuterRef("pk"), created_at__lt=as_of)
            ),
        )
    )


@dataclass
class Figures:
    """One municipality's raw figures for one quarter (before suppression)."""

    by_level: dict[str, int]
    by_team: dict[str, int]
    level_3: int = 0
    level_3_with_plan: int = 0
    days_to_measure: list[int] | None = None
    referrals: int = 0
    referrals_in_time: int = 0
    transitions: int = 0
    transitions_ahead: int = 0


def figures(
    quarter: Quarter,
    as_of: datetime.datetime,
    scope: Q,
    in_use: Iterable[int],
    *,
    now: datetime.datetime | None = None,
) -> dict[int, Figures]:
    """Each municipality's raw figures: `in_use` get rows even when they have nothing in it."""
    result: dict[int, Figures] = {}

    def of(municipality: int) -> Figures:
        if municipality not in result:
            result[municipality] = Figures(by_level=dict.fromkeys(LEVELS, 0), by_team={})
        return result[municipality]

    for municipality in in_use:
        of(municipality)
    grouped = (
        _open_cases(as_of)
        .filter(scope)
        .values("municipality_id", "level_then", "team_then", "has_goal", "has_measure")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in grouped:
        one = of(row["municipality_id"])
        one.by_level[str(row["level_then"])] += row["n"]
        team = combination(row["team_then"])
        one.by_team[team] = one.by_team.get(team, 0) + row["n"]
        if row["level_then"] == Level.SEVERAL_SERVICES:
            one.level_3 += row["n"]
            if row["has_goal"] or row["has_measure"]:
                one.level_3_with_plan += row["n"]

    # Days from the concern (the case opened) to the first measure's start, for the cases whose
    # first measure started in the quarter; the median is taken here (SQLite has none).
    tz = timezone.get_current_timezone()
    last_day = min(quarter.last_day, timezone.localtime(as_of).date())
    days: dict[int, list[int]] = defaultdict(list)
    first_measures = (
        Measure.objects.filter(scope, created_at__lt=as_of)
        .order_by()
        .values("plan__case_id", "municipality_id", "plan__case__opened_at")
        .annotate(first=Min("starts"))
        .filter(first__gte=quarter.first_day, first__lte=last_day)
    )
    for row in first_measures.iterator():
        opened = timezone.localtime(row["plan__case__opened_at"], tz).date()
        days[row["municipality_id"]].append(max(0, (row["first"] - opened).days))
    for municipality, values in days.items():
        of(municipality).days_to_measure = values

    # Referrals sent in the quarter whose answer is in, or whose answer is overdue.
    today = timezone.localdate(now or timezone.now())
    referrals = (
        Referral.objects.filter(scope, sent_at__gte=quarter.start, sent_at__lt=as_of)
        .filter(Q(answered_at__isnull=False) | Q(answer_due__lt=today))
        .annotate(answered_on=TruncDate("answered_at", tzinfo=tz))
        .order_by()
        .values("municipality_id")
        .annotate(n=Count("pk"), in_time=Count("pk", filter=Q(answered_on__lte=F("answer_due"))))
    )
    for row in referrals:
        of(row["municipality_id"]).referrals = row["n"]
        of(row["municipality_id"]).referrals_in_time = row["in_time"]

    # Transitions that happened in the quarter (not cancelled), and whether each was registered
    # PLANNED_AHEAD_DAYS before (a proposal nobody took up was not planned).
    transitions = (
        Transition.objects.filter(
            scope, planned_for__gte=quarter.first_day, planned_for__lte=min(last_day, today)
        )
        .exclude(status=Transition.Status.CANCELLED)
        .annotate(
            registered_on=TruncDate("created_at", tzinfo=tz),
            deadline=models.ExpressionWrapper(
                F("planned_for") - datetime.timedelta(days=PLANNED_AHEAD_DAYS),
                output_field=models.DateField(),
            ),
        )
        .order_by()
        .values("municipality_id")
        .annotate(
            n=Count("pk"),
            ahead=Count(
                "pk",
                filter=Q(registered_on__lte=F("deadline")) & ~Q(status=Transition.Status.PROPOSED),
            ),
        )
    )
    for row in transitions:
        of(row["municipality_id"]).transitions = row["n"]
        of(row["municipality_id"]).transitions_ahead = row["ahead"]
    return result


# --- after suppression -------------------------------------------------------------------------


def _rounded(value: Decimal) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-DECIMALS))


def _share(part: int, whole: int) -> Decimal:
    return _rounded(Decimal(100) * part / whole)


def _figure(
    municipality: int,
    quarter: str,
    measure: str,
    cases: int,
    value: Decimal | None,
    *,
    hidden: bool = False,
) -> Aggregate:
    """A share or median from `cases` cases: hidden when they are 1–4, none from 0."""
    if hidden or suppression.hides_figure(cases):
        return Aggregate(
            municipality_id=municipality,
            quarter=quarter,
            measure=measure,
            count=None,
            value=None,
            suppressed=True,
        )
    return Aggregate(
        municipality_id=municipality,
        quarter=quarter,
        measure=measure,
        count=cases,
        value=value if cases else None,
    )


def _table(
    municipality: int,
    quarter: str,
    measure: str,
    published: suppression.Published,
    *,
    keep_hidden_categories: bool = True,
) -> list[Aggregate]:
    rows = []
    if published.total is not None or keep_hidden_categories:
        for category, count in published.cells.items():
            rows.append(
                Aggregate(
                    municipality_id=municipality,
                    quarter=quarter,
                    measure=measure,
                    category=category,
                    count=count,
                    suppressed=count is None,
                )
            )
    rows.append(
        Aggregate(
            municipality_id=municipality,
            quarter=quarter,
            measure=measure,
            category=TOTAL,
            count=published.total,
            suppressed=published.total is None,
        )
    )
    return rows


def _rows(municipality: int, quarter: str, raw: Figures) -> list[Aggregate]:
    measures = Aggregate.Measure
    by_team = dict(sorted(raw.by_team.items()))
    levels, teams = suppression.suppress_linked([raw.by_level, by_team])
    rows = _table(municipality, quarter, measures.CASES_BY_LEVEL, levels)
    # The team combinations are the ones found, so a table hidden whole lists none of them:
    # which combinations occur would tell which cells are not zero.
    rows += _table(
        municipality, quarter, measures.CASES_BY_SECTORS, teams, keep_hidden_categories=False
    )
    level_3 = str(Level.SEVERAL_SERVICES)
    rows.append(
        _figure(
            municipality,
            quarter,
            measures.SHARE_WITH_PLAN,
            raw.level_3,
            _share(raw.level_3_with_plan, raw.level_3) if raw.level_3 else None,
            hidden=levels.cells[level_3] is None,  # its base is that cell
        )
    )
    days = raw.days_to_measure or []
    median = _rounded(Decimal(str(statistics.median(days)))) if days else None
    rows.append(_figure(municipality, quarter, measures.DAYS_TO_MEASURE, len(days), median))
    rows.append(
        _figure(
            municipality,
            quarter,
            measures.REFERRALS_ANSWERED,
            raw.referrals,
            _share(raw.referrals_in_time, raw.referrals) if raw.referrals else None,
        )
    )
    rows.append(
        _figure(
            municipality,
            quarter,
            measures.TRANSITIONS_PLANNED,
            raw.transitions,
            _share(raw.transitions_ahead, raw.transitions) if raw.transitions else None,
        )
    )
    return rows


def _ids(municipalities: Iterable[Region | int | str]) -> list[int]:
    ids: list[int] = []
    codes: list[str] = []
    for item in municipalities:
        if isinstance(item, Region):
            ids.append(item.pk)
        elif isinstance(item, int):
            ids.append(item)
        else:
            codes.append(item)
    if codes:
        ids += Region.objects.filter(
            country="NO", kind=Region.Kind.MUNICIPALITY, code__in=codes
        ).values_list("pk", flat=True)
    return ids


def compute(
    quarter: str | None = None,
    municipalities: Iterable[Region | int | str] | None = None,
    *,
    now: datetime.datetime | None = None,
) -> int:
    """Computes, suppresses and stores a quarter's aggregates; returns the rows stored.

    The quarter defaults to the last one that has ended. A quarter still running is computed as
    it stands now (for the demo; the task publishes ended quarters only). Municipalities (regions,
    ids or codes) default to every one that had opened a case by then; a municipality that has
    never used the coordination work gets no rows, not zeros. A rerun replaces the quarter's
    rows for those municipalities.
    """
    now = now or timezone.now()
    chosen = Quarter.parse(quarter) if quarter else Quarter.of(timezone.localdate(now)).previous
    if chosen.start > now:
        raise ValueError(f"{chosen} has not begun")
    as_of = min(chosen.end, now)
    scope = Q() if municipalities is None else Q(municipality_id__in=_ids(municipalities))
    in_use = (
        Case.objects.filter(scope, opened_at__lt=as_of)
        .order_by()
        .values_list("municipality_id", flat=True)
        .distinct()
    )
    found = figures(chosen, as_of, scope, list(in_use), now=now)
    return store(str(chosen), found, scope=scope)


def store(quarter: str, found: dict[int, Figures], *, scope: Q | None = None) -> int:
    """Suppresses the raw figures and stores them as the quarter's rows (replacing those in
    scope: by default every municipality's)."""
    rows = [row for municipality, raw in found.items() for row in _rows(municipality, quarter, raw)]
    with transaction.atomic():
        Aggregate.objects.filter(scope or Q(), quarter=quarter).delete()
        Aggregate.objects.bulk_create(rows)
    return len(rows)


def computed_quarters() -> list[str]:
    """The quarters that have aggregates, newest first."""
    quarters: Any = Aggregate.objects.order_by("-quarter").values_list("quarter", flat=True)
    return list(dict.fromkeys(quarters))
