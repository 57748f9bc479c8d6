"""Regions, organisations, sectors and who works where in which role."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from samhandling.config.choices import ChoiceLabels


class Sector(models.TextChoices):
    """The sectors that work around children and young people."""

    KINDERGARTEN = "kindergarten", _("Kindergarten")
    SCHOOL = "school", _("School")
    SCHOOL_HEALTH = "school_health", _("School health service")
    FAMILY_HEALTH = "family_health", _("Family health centre")
    CHILD_WELFARE = "child_welfare", _("Child welfare")
    NAV = "nav", _("NAV (labour and welfare)")
    PPT = "ppt", _("Educational-psychological service (PPT)")
    MENTAL_HEALTH = "mental_health", _("Mental health")
    INTEGRATION = "integration", _("Refugee and integration service")
    CULTURE_LEISURE = "culture_leisure", _("Culture and leisure")
    POLICE = "police", _("Police")

    @classmethod
    def sensitive(cls) -> frozenset[str]:
        """Sectors whose details need consent or a legal basis to travel beyond the sector."""
        return frozenset(
            {cls.CHILD_WELFARE, cls.SCHOOL_HEALTH, cls.FAMILY_HEALTH, cls.MENTAL_HEALTH, cls.NAV}
        )


class Region(ChoiceLabels, models.Model):
    """A country, county or municipality (the 2024 structure in Norway)."""

    class Kind(models.TextChoices):
        COUNTRY = "country", _("Country")
        COUNTY = "county", _("County")
        MUNICIPALITY = "municipality", _("Municipality")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    country = models.CharField(_("country"), max_length=2, help_text=_("ISO 3166 code"))
    code = models.CharField(_("code"), max_length=16)
    name = models.CharField(_("name"), max_length=200)
    short_name = models.CharField(_("short name"), max_length=200, blank=True)
    parent = models.ForeignKey(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("part of"),
    )
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)
    population_0_24 = models.PositiveIntegerField(_("population aged 0-24"), null=True, blank=True)
    population_year = models.PositiveSmallIntegerField(null=True, blank=True)
    source = models.CharField(_("source"), max_length=300, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["country", "kind", "code"], name="region_unique_code")
        ]
        ordering = ["country", "kind", "code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        if self.kind == self.Kind.COUNTRY:  # stored as an English msgid (load_regions)
            return gettext(self.name)
        return self.short_name or self.name


class Organisation(ChoiceLabels, models.Model):
    """A service unit in a municipality, a directorate, or another body such as KS."""

    class Kind(models.TextChoices):
        MUNICIPALITY = "municipality", _("Municipal administration")
        SERVICE = "service", _("Service")
        DIRECTORATE = "directorate", _("Directorate")
        OTHER = "other", _("Other body")

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    sector = models.CharField(_("sector"), max_length=32, choices=Sector.choices, blank=True)
    municipality = models.ForeignKey(
        Region,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="organisations",
        limit_choices_to={"kind": Region.Kind.MUNICIPALITY},
        verbose_name=_("municipality"),
    )
    short_name = models.CharField(_("short name"), max_length=50, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kind="service") | models.Q(sector__gt=""),
                name="organisation_service_has_sector",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind__in=["service", "municipality"])
                | models.Q(municipality__isnull=False),
                name="organisation_service_in_municipality",
            ),
        ]
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    PROFESSIONAL = "professional", _("Professional")
    SERVICE_LEADER = "service_leader", _("Service leader")
    ANALYST = "analyst", _("Municipal analyst")
    DIRECTORATE_EDITOR = "directorate_editor", _("Directorate editor")
    SYSTEM_ADMIN = "system_admin", _("System administrator")


class Membership(ChoiceLabels, models.Model):
    """A user's role in one organisation. A user may hold several."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        related_name="memberships",
        verbose_name=_("user"),
    )
    organisation = models.ForeignKey(
        Organisation, models.PROTECT, related_name="memberships", verbose_name=_("organisation")
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    title = models.CharField(_("job title"), max_length=100, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation", "role"], name="membership_unique_role"
            )
        ]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    def __str__(self) -> str:
        return f"{self.user} – {self.get_role_display()} – {self.organisation}"
