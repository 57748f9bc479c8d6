"""What the catalogue's API gives: published entries with both languages of every bilingual
field, related entries by id, key and title, owners by short name and name, member
municipalities by code and name, indicators by code. Nothing here is about a person."""

from __future__ import annotations

import datetime

from django.utils import timezone
from ninja import Schema

from samhandling.organisations.models import Region

from .models import Initiative, Instrument, Network
from .selectors import is_open_for_application


class EntryRef(Schema):
    """A related instrument, development measure or learning resource."""

    id: int
    key: str
    title_nb: str
    title_en: str


class NetworkRef(Schema):
    id: int
    key: str
    name_nb: str
    name_en: str


class PracticeRef(Schema):
    id: int
    key: str
    title: str
    language: str
    country: str


class OwnerOut(Schema):
    id: int
    short_name: str
    name: str


class MunicipalityOut(Schema):
    code: str
    name: str

    @staticmethod
    def resolve_name(obj: Region) -> str:
        return obj.display_name


class EntryOut(Schema):
    id: int
    key: str
    origin: str  # "official" (the programme's own material) or "example" (never official)
    version: int
    published_at: datetime.datetime | None


class InstrumentOut(EntryOut):
    title_nb: str
    title_en: str
    summary_nb: str
    summary_en: str
    kind: str
    owners: list[OwnerOut]
    target_group_nb: str
    target_group_en: str
    target_groups: list[str]
    age_from: int
    age_to: int
    sectors: list[str]
    who_may_apply_nb: str
    who_may_apply_en: str
    application_deadline: datetime.date | None
    period_from: datetime.date | None
    period_to: datetime.date | None
    link: str
    open_for_application: bool  # see selectors.open_for_application for the rule
    initiatives: list[EntryRef]  # the published development measures that use it
    learning_resources: list[EntryRef]

    @staticmethod
    def resolve_open_for_application(obj: Instrument) -> bool:
        return is_open_for_application(obj, timezone.localdate())


class InitiativeOut(EntryOut):
    title_nb: str
    title_en: str
    municipality: MunicipalityOut | None
    network: NetworkRef | None
    challenge_nb: str
    challenge_en: str
    indicators: list[str]  # the codes of the indicators of the challenge (see /indicators)
    goals_nb: str
    goals_en: str
    sectors: list[str]
    services_involved: str
    instruments: list[EntryRef]
    period_from: datetime.date | None
    period_to: datetime.date | None
    progress: str
    results: str
    evaluation: str
    follow_up_research: str
    contact: str

    @staticmethod
    def resolve_network(obj: Initiative) -> Network | None:
        network = obj.network
        return network if network is not None and network.is_published else None

    @staticmethod
    def resolve_indicators(obj: Initiative) -> list[str]:
        return sorted(indicator.code for indicator in obj.indicators.all())


class NetworkOut(EntryOut):
    name_nb: str
    name_en: str
    purpose_nb: str
    purpose_en: str
    members: list[MunicipalityOut]
    meetings: str
    shared_resources: str
    initiatives: list[EntryRef]


class TranslationOut(Schema):
    language: str
    title: str
    problem: str
    what_was_done: str
    results: str
    lessons_learned: str


class PracticeOut(EntryOut):
    title: str
    country: str
    level: str
    language: str  # the language the text is written in
    problem: str
    target_group: str
    target_groups: list[str]
    age_from: int
    age_to: int
    sectors: list[str]
    what_was_done: str
    results: str
    lessons_learned: str
    evidence_level: str
    resources: str
    contact: str
    translations: list[TranslationOut]
    learning_resources: list[EntryRef]


class ResourceOut(EntryOut):
    title_nb: str
    title_en: str
    summary_nb: str
    summary_en: str
    kind: str
    link: str
    practices: list[PracticeRef]
    instruments: list[EntryRef]


class Page(Schema):
    count: int  # all that match, on every page
    limit: int
    offset: int


class InstrumentPage(Page):
    items: list[InstrumentOut]


class InitiativePage(Page):
    items: list[InitiativeOut]


class NetworkPage(Page):
    items: list[NetworkOut]


class PracticePage(Page):
    items: list[PracticeOut]


class ResourcePage(Page):
    items: list[ResourceOut]
