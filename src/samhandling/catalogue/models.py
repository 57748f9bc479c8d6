"""The catalogue: state instruments, development measures, networks, the Nordic experience bank
and the resources that build capacity.

Nothing here is about a person. Every entry goes through the same editorial workflow (a draft,
published by another editor, perhaps withdrawn); every change is kept as a Revision. Entries
are written only through catalogue.services.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from samhandling.config.choices import ChoiceLabels
from samhandling.insight.models import Indicator
from samhandling.organisations.models import Organisation, Region, Sector

OLDEST = 24  # the programme is about children and young people aged 0–24


def validate_sectors(value: Any) -> None:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValidationError(_("Choose the sectors from the list."), code="not_a_list")
    unknown = sorted(set(value) - set(Sector.values))
    if unknown:
        raise ValidationError(
            _("Unknown sector: %(sectors)s."),
            code="unknown_sector",
            params={"sectors": ", ".join(unknown)},
        )


class TargetGroup(models.TextChoices):
    """Whom an instrument or practice is for, in categories that can be compared (the free-text
    target group says it in the entry's own words)."""

    ALL = "all", _("All children and young people")
    FAMILIES = "families", _("Parents and families")
    SPECIAL_NEEDS = "special_needs", _("Children and young people with special needs")
    MENTAL_HEALTH = "mental_health", _("Mental health problems or substance use")
    NEGLECT = "neglect", _("At risk of neglect, violence or abuse")
    LOW_INCOME = "low_income", _("Children in low-income families")
    IMMIGRANTS = "immigrants", _("Refugees and immigrants")
    DROPOUT = "dropout", _("Pupils at risk of dropping out")
    NEET = "neet", _("Not in education, employment or training")
    PROFESSIONALS = "professionals", _("Professionals and services")


def validate_target_groups(value: Any) -> None:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValidationError(_("Choose the target groups from the list."), code="not_a_list")
    unknown = sorted(set(value) - set(TargetGroup.values))
    if unknown:
        raise ValidationError(
            _("Unknown target group: %(groups)s."),
            code="unknown_target_group",
            params={"groups": ", ".join(unknown)},
        )


def age_span_constraint(name: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=models.Q(age_from__lte=models.F("age_to"), age_to__lte=OLDEST),
        name=name,
        violation_error_message=_("The age span must lie within 0–24, from the lower age."),
    )


def period_constraint(name: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=models.Q(period_from__isnull=True)
        | models.Q(period_to__isnull=True)
        | models.Q(period_to__gte=models.F("period_from")),
        name=name,
        violation_error_message=_("The period must end after it starts."),
    )


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Origin(models.TextChoices):
    OFFICIAL = "official", _("From the programme's own material")
    EXAMPLE = "example", _("Example, not official")


class Entry(ChoiceLabels, models.Model):
    """What every catalogue entry shares: its place in the editorial workflow."""

    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    origin = models.CharField(
        _("origin"), max_length=16, choices=Origin.choices, default=Origin.EXAMPLE
    )
    # A stable name across exports and imports (and between installations), e.g.
    # "0-24-samarbeidet"; made from the title when an editor gives none.
    key = models.SlugField(
        _("key"),
        max_length=100,
        unique=True,
        help_text=_("A short stable name used in imports and exports: letters, digits and -."),
    )
    version = models.PositiveIntegerField(default=1)
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        related_name="+",
        verbose_name=_("last edited by"),
    )
    edited_at = models.DateTimeField(_("last edited"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("published by"),
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    # The searchable text stemmed (bokmål and English; a practice in its own language), kept by
    # the services after every save (PostgreSQL only): a GIN index makes a search read it
    # instead of stemming every text per query.
    search_vector = SearchVectorField(null=True, blank=True, editable=False)

    # Fields that the workflow sets; an editor's change never names them.
    WORKFLOW_FIELDS = frozenset(
        {
            "id",
            "status",
            "version",
            "edited_by",
            "edited_at",
            "published_by",
            "published_at",
            "search_vector",
        }
    )

    class Meta:
        abstract = True

    @property
    def is_published(self) -> bool:
        return self.status == Status.PUBLISHED


class AgeSpan(ChoiceLabels, models.Model):
    age_from = models.PositiveSmallIntegerField(
        _("from age"), default=0, validators=[MaxValueValidator(OLDEST)]
    )
    age_to = models.PositiveSmallIntegerField(
        _("to age"), default=OLDEST, validators=[MaxValueValidator(OLDEST)]
    )

    class Meta:
        abstract = True

    def clean(self) -> None:
        super().clean()
        if self.age_from is not None and self.age_to is not None and self.age_from > self.age_to:
            raise ValidationError({"age_to": _("The upper age must not be below the lower age.")})


def _bilingual(nb: str, en: str) -> str:
    return (en or nb) if translation.get_language() == "en" else (nb or en)


class Instrument(Entry, AgeSpan):
    """A state instrument (virkemiddel): a grant, guide, programme, competence offer, legal duty
    or tool from one or more directorates."""

    class Kind(models.TextChoices):
        GRANT_SCHEME = "grant_scheme", _("Grant scheme")
        GUIDE = "guide", _("Guide")
        PROGRAMME = "programme", _("Programme")
        COMPETENCE_OFFER = "competence_offer", _("Competence offer")
        LEGAL_DUTY = "legal_duty", _("Legal duty")
        TOOL = "tool", _("Tool")

    title_nb = models.CharField(_("title (bokmål)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    summary_nb = models.TextField(_("summary (bokmål)"), blank=True)
    summary_en = models.TextField(_("summary (English)"), blank=True)
    owners = models.ManyToManyField(
        Organisation,
        related_name="instruments",
        limit_choices_to={"kind": Organisation.Kind.DIRECTORATE},
        verbose_name=_("owner directorates"),
        blank=True,
    )
    kind = models.CharField(_("type"), max_length=32, choices=Kind.choices)
    target_group_nb = models.CharField(_("target group (bokmål)"), max_length=300, blank=True)
    target_group_en = models.CharField(_("target group (English)"), max_length=300, blank=True)
    target_groups = models.JSONField(
        _("target groups"), default=list, blank=True, validators=[validate_target_groups]
    )
    sectors = models.JSONField(
        _("sectors"), default=list, blank=True, validators=[validate_sectors]
    )
    who_may_apply_nb = models.CharField(_("who may apply (bokmål)"), max_length=300, blank=True)
    who_may_apply_en = models.CharField(_("who may apply (English)"), max_length=300, blank=True)
    application_deadline = models.DateField(_("application deadline"), null=True, blank=True)
    period_from = models.DateField(_("from"), null=True, blank=True)
    period_to = models.DateField(_("to"), null=True, blank=True)
    link = models.URLField(_("link"), blank=True)

    class Meta:
        constraints = [
            age_span_constraint("instrument_age_span"),
            period_constraint("instrument_period"),
        ]
        ordering = ["title_nb", "pk"]
        verbose_name = _("state instrument")
        verbose_name_plural = _("state instruments")

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        return _bilingual(self.title_nb, self.title_en)


class Network(Entry):
    """Municipalities learning together, e.g. the KS network of seven municipalities."""

    name_nb = models.CharField(_("name (bokmål)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    purpose_nb = models.TextField(_("purpose (bokmål)"), blank=True)
    purpose_en = models.TextField(_("purpose (English)"), blank=True)
    members = models.ManyToManyField(
        Region,
        related_name="catalogue_networks",
        limit_choices_to={"kind": Region.Kind.MUNICIPALITY},
        verbose_name=_("member municipalities"),
        blank=True,
    )
    meetings = models.TextField(_("meetings"), blank=True)
    shared_resources = models.TextField(_("shared resources"), blank=True)

    class Meta:
        ordering = ["name_nb", "pk"]
        verbose_name = _("municipal network")
        verbose_name_plural = _("municipal networks")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return _bilingual(self.name_nb, self.name_en)


class Initiative(Entry):
    """A development measure: a municipality's or network's cross-sector development project."""

    class Progress(models.TextChoices):
        PLANNED = "planned", _("Planned")
        ONGOING = "ongoing", _("Ongoing")
        COMPLETED = "completed", _("Completed")
        STOPPED = "stopped", _("Stopped")

    title_nb = models.CharField(_("title (bokmål)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    municipality = models.ForeignKey(
        Region,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="catalogue_initiatives",
        limit_choices_to={"kind": Region.Kind.MUNICIPALITY},
        verbose_name=_("municipality"),
    )
    network = models.ForeignKey(
        Network,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="initiatives",
        verbose_name=_("network"),
    )
    challenge_nb = models.TextField(_("the challenge (bokmål)"), blank=True)
    challenge_en = models.TextField(_("the challenge (English)"), blank=True)
    indicators = models.ManyToManyField(
        Indicator, related_name="+", verbose_name=_("indicators of the challenge"), blank=True
    )
    goals_nb = models.TextField(_("goals (bokmål)"), blank=True)
    goals_en = models.TextField(_("goals (English)"), blank=True)
    sectors = models.JSONField(
        _("sectors"), default=list, blank=True, validators=[validate_sectors]
    )
    services_involved = models.TextField(_("services involved"), blank=True)
    instruments = models.ManyToManyField(
        Instrument, related_name="initiatives", verbose_name=_("instruments used"), blank=True
    )
    period_from = models.DateField(_("from"), null=True, blank=True)
    period_to = models.DateField(_("to"), null=True, blank=True)
    progress = models.CharField(
        _("progress"), max_length=16, choices=Progress.choices, default=Progress.PLANNED
    )
    results = models.TextField(_("results"), blank=True)
    evaluation = models.TextField(_("evaluation"), blank=True)
    follow_up_research = models.TextField(_("follow-up research"), blank=True)
    contact = models.CharField(_("contact"), max_length=300, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(municipality__isnull=False) | models.Q(network__isnull=False),
                name="initiative_has_municipality_or_network",
                violation_error_message=_("Name the municipality or the network."),
            ),
            period_constraint("initiative_period"),
        ]
        ordering = ["title_nb", "pk"]
        verbose_name = _("development measure")
        verbose_name_plural = _("development measures")

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        return _bilingual(self.title_nb, self.title_en)


class Practice(Entry, AgeSpan):
    """A documented way of working in the Nordic experience bank, in the language it was
    written in (translations optional)."""

    class Country(models.TextChoices):
        NORWAY = "NO", _("Norway")
        SWEDEN = "SE", _("Sweden")
        DENMARK = "DK", _("Denmark")
        FINLAND = "FI", _("Finland")
        ICELAND = "IS", _("Iceland")
        FAROE_ISLANDS = "FO", _("Faroe Islands")
        GREENLAND = "GL", _("Greenland")
        ALAND = "AX", _("Åland")

    class Level(models.TextChoices):
        NATIONAL = "national", _("National")
        REGIONAL = "regional", _("Regional")
        MUNICIPAL = "municipal", _("Municipal")

    class Evidence(models.TextChoices):
        DESCRIBED = "described", _("Described")
        DOCUMENTED = "documented", _("Documented")
        EVALUATED = "evaluated", _("Evaluated")
        RESEARCH_BASED = "research_based", _("Research-based")

    class Language(models.TextChoices):
        BOKMAL = "nb", _("Norwegian bokmål")
        NYNORSK = "nn", _("Norwegian nynorsk")
        SWEDISH = "sv", _("Swedish")
        DANISH = "da", _("Danish")
        FINNISH = "fi", _("Finnish")
        ICELANDIC = "is", _("Icelandic")
        FAROESE = "fo", _("Faroese")
        GREENLANDIC = "kl", _("Greenlandic")
        ENGLISH = "en", _("English")

    title = models.CharField(_("title"), max_length=200)
    country = models.CharField(_("country"), max_length=2, choices=Country.choices)
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    language = models.CharField(_("language of the text"), max_length=2, choices=Language.choices)
    problem = models.TextField(_("the problem"), blank=True)
    target_group = models.CharField(_("target group"), max_length=300, blank=True)
    target_groups = models.JSONField(
        _("target groups"), default=list, blank=True, validators=[validate_target_groups]
    )
    sectors = models.JSONField(
        _("sectors"), default=list, blank=True, validators=[validate_sectors]
    )
    what_was_done = models.TextField(_("what was done"), blank=True)
    results = models.TextField(_("results"), blank=True)
    lessons_learned = models.TextField(_("lessons learned"), blank=True)
    evidence_level = models.CharField(
        _("evidence level"), max_length=16, choices=Evidence.choices, default=Evidence.DESCRIBED
    )
    resources = models.TextField(_("resources"), blank=True)
    contact = models.CharField(_("contact"), max_length=300, blank=True)

    class Meta:
        constraints = [age_span_constraint("practice_age_span")]
        ordering = ["country", "title", "pk"]
        verbose_name = _("practice")
        verbose_name_plural = _("practices")

    def __str__(self) -> str:
        return self.title


class PracticeTranslation(ChoiceLabels, models.Model):
    """A practice's text in another language than the one it was written in."""

    practice = models.ForeignKey(Practice, models.CASCADE, related_name="translations")
    language = models.CharField(_("language"), max_length=2, choices=Practice.Language.choices)
    title = models.CharField(_("title"), max_length=200)
    problem = models.TextField(_("the problem"), blank=True)
    what_was_done = models.TextField(_("what was done"), blank=True)
    results = models.TextField(_("results"), blank=True)
    lessons_learned = models.TextField(_("lessons learned"), blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["practice", "language"], name="practice_translation_unique_language"
            )
        ]
        verbose_name = _("translation of a practice")
        verbose_name_plural = _("translations of practices")

    def __str__(self) -> str:
        return f"{self.practice} ({self.language})"


class Resource(Entry):
    """Capacity building: a guide, course or learning resource."""

    class Kind(models.TextChoices):
        GUIDE = "guide", _("Guide")
        COURSE = "course", _("Course")
        LEARNING_RESOURCE = "learning_resource", _("Learning resource")

    title_nb = models.CharField(_("title (bokmål)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    summary_nb = models.TextField(_("summary (bokmål)"), blank=True)
    summary_en = models.TextField(_("summary (English)"), blank=True)
    kind = models.CharField(_("type"), max_length=32, choices=Kind.choices)
    link = models.URLField(_("link"), blank=True)
    practices = models.ManyToManyField(
        Practice, related_name="learning_resources", verbose_name=_("practices"), blank=True
    )
    instruments = models.ManyToManyField(
        Instrument, related_name="learning_resources", verbose_name=_("instruments"), blank=True
    )

    class Meta:
        ordering = ["title_nb", "pk"]
        verbose_name = _("learning resource")
        verbose_name_plural = _("learning resources")

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        return _bilingual(self.title_nb, self.title_en)


class Revision(ChoiceLabels, models.Model):
    """One change to one entry: the whole entry as it was after the change, who made it and
    when. Appended by the services, never edited."""

    class Kind(models.TextChoices):
        INSTRUMENT = "instrument", _("State instrument")
        INITIATIVE = "initiative", _("Development measure")
        NETWORK = "network", _("Municipal network")
        PRACTICE = "practice", _("Practice")
        RESOURCE = "resource", _("Learning resource")

    class Action(models.TextChoices):
        CREATE = "create", _("Drafted")
        UPDATE = "update", _("Edited")
        PUBLISH = "publish", _("Published")
        WITHDRAW = "withdraw", _("Withdrawn")

    entry_type = models.CharField(_("type of entry"), max_length=16, choices=Kind.choices)
    entry_id = models.PositiveIntegerField(_("entry"))
    version = models.PositiveIntegerField(_("version"))
    action = models.CharField(_("change"), max_length=16, choices=Action.choices)
    snapshot = models.JSONField(_("the entry after the change"), encoder=DjangoJSONEncoder)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("by")
    )
    at = models.DateTimeField(_("when"))

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["entry_type", "entry_id", "version"], name="revision_unique_version"
            )
        ]
        ordering = ["entry_type", "entry_id", "version"]
        verbose_name = _("revision")
        verbose_name_plural = _("revisions")

    def __str__(self) -> str:
        return f"{self.entry_type} {self.entry_id} v{self.version}"
