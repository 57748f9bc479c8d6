"""The knowledge base: official indicators per region and period, the coordination work's own
anonymous aggregates, and the municipality's reading of them.

Nothing here is about a person. Observations come from publishers (SSB, FHI, NAV …) through the
importers, or are derived from them (population shares); aggregates come from the coordination
data through one task that suppresses small numbers before anything is stored.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from samhandling.config.choices import ChoiceLabels
from samhandling.organisations.models import Region


class Unit(models.TextChoices):
    PERCENT = "percent", _("per cent")
    PER_1000 = "per_1000", _("per 1,000")
    COUNT = "count", _("number")
    KRONER = "kroner", _("kroner")
    DAYS = "days", _("days")
    INDEX = "index", _("index")


class Better(models.TextChoices):
    HIGHER = "higher", _("Higher is better")
    LOWER = "lower", _("Lower is better")
    NEITHER = "neither", _("Neither higher nor lower is better")


class Topic(models.TextChoices):
    """The sector an indicator speaks about (a profile groups by it)."""

    POPULATION = "population", _("Population")
    KINDERGARTEN = "kindergarten", _("Kindergarten")
    EDUCATION = "education", _("Education")
    HEALTH = "health", _("Health")
    CHILD_WELFARE = "child_welfare", _("Child welfare")
    LIVING_CONDITIONS = "living_conditions", _("Living conditions")
    WORK_AND_WELFARE = "work_and_welfare", _("Work and welfare (NAV)")
    INTEGRATION = "integration", _("Integration")
    COORDINATION = "coordination", _("Coordination (our own figures)")


class Indicator(ChoiceLabels, models.Model):
    class Origin(models.TextChoices):
        OFFICIAL = "official", _("Official statistics")
        DERIVED = "derived", _("Derived from official statistics")
        EXAMPLE = "example", _("Example values, not from a publisher")

    code = models.SlugField(_("code"), max_length=100, unique=True)
    name_nb = models.CharField(_("name (bokmål)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    description_nb = models.TextField(_("description (bokmål)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    topic = models.CharField(_("sector"), max_length=32, choices=Topic.choices)
    unit = models.CharField(_("unit"), max_length=16, choices=Unit.choices)
    decimals = models.PositiveSmallIntegerField(_("decimals"), default=1)
    better = models.CharField(
        _("which direction is better"), max_length=8, choices=Better.choices, default="neither"
    )
    age_group = models.CharField(_("age group"), max_length=50, blank=True)
    publisher = models.CharField(_("publisher"), max_length=100)
    source_table = models.CharField(_("source table"), max_length=200, blank=True)
    source_url = models.URLField(_("source address"), blank=True)
    licence = models.CharField(_("licence"), max_length=100, blank=True)
    origin = models.CharField(
        _("origin"), max_length=16, choices=Origin.choices, default=Origin.OFFICIAL
    )
    # The publisher's codes that mean this indicator in an imported file (e.g. the category
    # "Personer1" of SSB table 07459's ContentsCode dimension).
    source_codes = models.JSONField(_("codes in the source"), default=list, blank=True)

    class Meta:
        ordering = ["topic", "code"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if translation.get_language() == "en" else self.name_nb

    @property
    def description(self) -> str:
        english = translation.get_language() == "en"
        return (self.description_en if english else self.description_nb) or self.description_nb


class Status(models.TextChoices):
    """The publisher's flag on a value."""

    NONE = "", _("Published")
    MISSING = "missing", _("Missing")
    SUPPRESSED = "suppressed", _("Suppressed (small numbers)")
    UNCERTAIN = "uncertain", _("Uncertain")


class ImportBatch(ChoiceLabels, models.Model):
    """One import of one file: what it held, what it changed, and every error with its place."""

    class State(models.TextChoices):
        VALIDATING = "validating", _("Checking the file")
        QUEUED = "queued", _("Waiting to import")
        RUNNING = "running", _("Importing")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Not imported: the file has errors")

    file_name = models.CharField(_("file"), max_length=255)
    sha256 = models.CharField(max_length=64, db_index=True)
    format = models.CharField(_("format"), max_length=16)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    state = models.CharField(max_length=16, choices=State.choices, default=State.VALIDATING)
    progress = models.PositiveSmallIntegerField(default=0)
    rows = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    upload = models.BinaryField(null=True, blank=True)  # an uploaded file until it is imported
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self) -> str:
        return self.file_name


class Observation(ChoiceLabels, models.Model):
    """One value: indicator × region × period (× a breakdown such as sex and age)."""

    indicator = models.ForeignKey(Indicator, models.CASCADE, related_name="observations")
    region = models.ForeignKey(Region, models.PROTECT, related_name="+")
    period = models.CharField(_("period"), max_length=20)  # "2024", "2022-2024", "2024Q3" …
    year = models.PositiveSmallIntegerField(_("year"))  # the period's last year, for trends
    breakdown = models.CharField(_("breakdown"), max_length=100, blank=True, default="")
    value = models.DecimalField(_("value"), max_digits=18, decimal_places=6, null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, blank=True, default=""
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    # The older region code the value was published under (carried over after a merger or a
    # renumbering in a municipal reform); empty when published under today's code.
    mapped_from = models.CharField(_("older region code"), max_length=8, blank=True, default="")
    batch = models.ForeignKey(
        ImportBatch, models.SET_NULL, null=True, blank=True, related_name="observations"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "region", "period", "breakdown"], name="observation_unique"
            )
        ]
        indexes = [
            models.Index(fields=["region", "indicator", "year"], name="observation_region"),
            models.Index(fields=["indicator", "year"], name="observation_indicator_year"),
        ]
        ordering = ["indicator", "region", "year", "period"]

    def __str__(self) -> str:
        return f"{self.indicator_id} {self.region_id} {self.period}"


class ObservationRevision(ChoiceLabels, models.Model):
    """A value as it was before a newer file changed it."""

    observation = models.ForeignKey(Observation, models.CASCADE, related_name="revisions")
    value = models.DecimalField(max_digits=18, decimal_places=6, null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, blank=True, default="")
    batch = models.ForeignKey(ImportBatch, models.SET_NULL, null=True, blank=True, related_name="+")
    replaced_at = models.DateTimeField(auto_now_add=True)
    replaced_by = models.ForeignKey(
        ImportBatch, models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-replaced_at", "-pk"]

    def __str__(self) -> str:
        return f"revision of {self.observation_id}"


class RegionCodeChange(ChoiceLabels, models.Model):
    """An older municipality code and the 2024 code it became (SSB's classification changes).

    A weight of 1 is a merger or a renumbering: the old series continues under the new code. A
    weight below 1 is a split: the old series cannot be carried over and is shown as broken.
    """

    old_code = models.CharField(max_length=8)
    new_code = models.CharField(max_length=8)
    weight = models.DecimalField(max_digits=8, decimal_places=6)
    from_year = models.PositiveSmallIntegerField()
    to_year = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["old_code", "new_code", "from_year"], name="region_code_change_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.old_code} → {self.new_code}"


class Commentary(ChoiceLabels, models.Model):
    """The municipality's own reading of its challenge picture. Never edited: each save is a
    new version, and the newest is shown."""

    region = models.ForeignKey(Region, models.CASCADE, related_name="+")
    version = models.PositiveIntegerField()
    text = models.TextField(_("commentary"), max_length=10_000)
    written_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    written_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["region", "version"], name="commentary_version")
        ]
        ordering = ["region", "-version"]
        verbose_name = _("commentary")
        verbose_name_plural = _("commentaries")

    def __str__(self) -> str:
        return f"commentary {self.region_id} v{self.version}"


class Aggregate(ChoiceLabels, models.Model):
    """An anonymous figure from the coordination work, per municipality and quarter, stored
    after small-number suppression (so a suppressed count never exists in this table)."""

    class Measure(models.TextChoices):
        CASES_BY_LEVEL = "cases_by_level", _("Cases by level of effort")
        CASES_BY_SECTORS = "cases_by_sectors", _("Cases by the sectors in the team")
        SHARE_WITH_PLAN = "share_with_plan", _("Share of cases at level 3 with a plan")
        DAYS_TO_MEASURE = "days_to_measure", _("Days from concern to first measure (median)")
        REFERRALS_ANSWERED = "referrals_answered", _("Referrals answered in time")
        TRANSITIONS_PLANNED = "transitions_planned", _("Transitions planned before they happen")

    municipality = models.ForeignKey(Region, models.CASCADE, related_name="+")
    quarter = models.CharField(_("quarter"), max_length=7)  # "2026Q3"
    measure = models.CharField(_("measure"), max_length=32, choices=Measure.choices)
    category = models.CharField(_("category"), max_length=200, blank=True, default="")
    count = models.PositiveIntegerField(null=True, blank=True)  # None: suppressed
    value = models.DecimalField(max_digits=12, decimal_places=3, null=True, blank=True)
    suppressed = models.BooleanField(default=False)
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "quarter", "measure", "category"], name="aggregate_unique"
            ),
            models.CheckConstraint(
                condition=~models.Q(suppressed=True) | models.Q(count__isnull=True),
                name="aggregate_suppressed_has_no_count",
            ),
        ]
        ordering = ["municipality", "quarter", "measure", "category"]

    def __str__(self) -> str:
        return f"{self.measure} {self.municipality_id} {self.quarter}"


class ResearchDownload(ChoiceLabels, models.Model):
    """Who downloaded which aggregates, when (follow-up research gets aggregates only)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    format = models.CharField(max_length=16)
    municipalities = models.JSONField(default=list)
    quarters = models.JSONField(default=list)
    downloaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-downloaded_at"]

    def __str__(self) -> str:
        return f"download {self.pk}"
