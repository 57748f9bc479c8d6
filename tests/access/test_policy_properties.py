"""Properties of the policy that hold whatever the entries, consents and legal bases are.

Each example builds its data with the real services inside a savepoint on top of the `world`
fixture (tests/access/world.py) and rolls it back, so the examples do not see each other.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from tests.access.world import World

from samhandling.access import policy
from samhandling.access.models import Consent, LegalBasis
from samhandling.audit.models import AuditEvent
from samhandling.coordination import selectors, services
from samhandling.coordination.models import Goal, LogEntry, Visibility
from samhandling.organisations.models import Sector

PROPERTY_SETTINGS = settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

MEMBERS = ("teacher", "nurse", "caseworker", "ppt")  # one per sector, all in the team
SECTOR_OF = {"teacher": Sector.SCHOOL, "nurse": Sector.SCHOOL_HEALTH,
             "caseworker": Sector.CHILD_WELFARE, "ppt": Sector.PPT}  # fmt: skip
EVERYONE = MEMBERS + ("colleague", "nav", "psychologist", "leader", "cw_leader", "analyst",
                      "outsider", "outsider_cw", "outsider_leader")  # fmt: skip
OUTSIDERS = ("outsider", "outsider_cw", "outsider_leader")
SECTORS = (Sector.SCHOOL, Sector.SCHOOL_HEALTH, Sector.CHILD_WELFARE, Sector.PPT, Sector.NAV,
           Sector.MENTAL_HEALTH)  # fmt: skip


@dataclass(frozen=True)
class EntrySpec:
    author: str
    visibility: str
    visible_sectors: frozenset[str]


@dataclass(frozen=True)
class ConsentSpec:
    sectors: frozenset[str]
    between: frozenset[str]
    professionals: frozenset[str]
    validity: str  # "valid", "expired" or "future"


@dataclass(frozen=True)
class BasisSpec:
    from_member: str
    to_member: str
    sectors: frozenset[str]


entries = st.builds(
    EntrySpec,
    author=st.sampled_from(MEMBERS),
    visibility=st.sampled_from(
        [Visibility.TEAM, Visibility.TEAM, Visibility.SECTORS, Visibility.SERVICE]
    ),  # fmt: skip
    visible_sectors=st.frozensets(st.sampled_from(SECTORS), min_size=1, max_size=3),
)
consents = st.builds(
    ConsentSpec,
    sectors=st.frozensets(st.sampled_from(SECTORS[:4]), min_size=1, max_size=3)
    | st.frozensets(st.sampled_from(SECTORS), min_size=1, max_size=4),
    between=st.frozensets(st.sampled_from(MEMBERS), min_size=2),
    professionals=st.frozensets(st.sampled_from(("colleague", "leader") + OUTSIDERS), max_size=2),
    validity=st.sampled_from(["valid", "valid", "valid", "expired", "future"]),
)
bases = st.builds(
    BasisSpec,
    from_member=st.sampled_from(MEMBERS),
    to_member=st.sampled_from(MEMBERS),
    sectors=st.frozensets(st.sampled_from(SECTORS), min_size=1, max_size=3),
).filter(lambda basis: basis.from_member != basis.to_member)


def covering(spec: EntrySpec) -> st.SearchStrategy[ConsentSpec]:
    """A valid consent that lets the entry's sector travel from its author's service."""
    others = [member for member in MEMBERS if member != spec.author]
    return st.builds(
        ConsentSpec,
        sectors=st.frozensets(st.sampled_from(SECTORS), max_size=2).map(
            lambda sectors: sectors | {SECTOR_OF[spec.author]}
        ),
        between=st.frozensets(st.sampled_from(others), min_size=1).map(
            lambda members: members | {spec.author}
        ),
        professionals=st.just(frozenset()),
        validity=st.just("valid"),
    )


@contextmanager
def rolled_back() -> Iterator[None]:
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def make_entries(world: World, specs: list[EntrySpec]) -> list[LogEntry]:
    return [world.entry(spec.author, visibility=spec.visibility, sectors=spec.visible_sectors)
            for spec in specs]  # fmt: skip


def make_goals(world: World, specs: list[EntrySpec]) -> list[Goal]:
    plan = world.case.plan
    return [
        services.add_goal(plan, by=world.actor(spec.author), title="A goal",
                          visibility=spec.visibility, visible_sectors=list(spec.visible_sectors))
        for spec in specs
    ]  # fmt: skip


def make_consents(world: World, specs: list[ConsentSpec]) -> list[Consent]:
    today = timezone.localdate()
    periods = {
        "valid": (today - datetime.timedelta(days=30), None),
        "expired": (today - datetime.timedelta(days=60), today - datetime.timedelta(days=1)),
        "future": (today + datetime.timedelta(days=1), None),
    }
    made = []
    for spec in specs:
        valid_from, valid_to = periods[spec.validity]
        made.append(
            world.consent(
                sectors=spec.sectors, between=sorted(spec.between),
                professionals=[world.users[name] for name in sorted(spec.professionals)],
                valid_from=valid_from, valid_to=valid_to,
            )
        )  # fmt: skip
    return made


def make_bases(world: World, specs: list[BasisSpec]) -> list[LegalBasis]:
    return [
        services.record_legal_basis(
            world.case, by=world.actor(spec.from_member), law=LegalBasis.Law.OTHER,
            description="A law", from_service=world.org(spec.from_member),
            to_service=world.org(spec.to_member), sectors=sorted(spec.sectors),
        )
        for spec in specs
    ]  # fmt: skip


def granted(world: World, records: list[Any]) -> set[tuple[str, str]]:
    """Every (actor, record) pair the policy lets through, the case itself included.

    policy.decide(actor, "view", entry) is case_access(actor, entry.case).item_decision(entry);
    working out the access once per actor, as the selectors do, keeps the examples quick.
    """
    pairs = set()
    for name in EVERYONE:
        access = policy.case_access(world.actor(name), world.case)
        if access.case_decision("view"):
            pairs.add((name, "case"))
        for record in records:
            if access.item_decision(record):
                pairs.add((name, f"{record._meta.model_name}:{record.pk}"))
    return pairs


# --- (a) withdrawing a consent never widens what anyone sees --------------------------------


@PROPERTY_SETTINGS
@given(
    entry_specs=st.lists(entries, min_size=1, max_size=5),
    consent_specs=st.lists(consents, max_size=2),
    basis_specs=st.lists(bases, max_size=1),
    data=st.data(),
)
def test_withdrawing_any_consent_never_widens_what_anyone_sees(
    world: World,
    entry_specs: list[EntrySpec],
    consent_specs: list[ConsentSpec],
    basis_specs: list[BasisSpec],
    data: st.DataObject,
) -> None:
    with rolled_back():
        records = make_entries(world, entry_specs) + make_goals(world, entry_specs[:2])
        # Half the time the consent to withdraw is one that lets some entry through.
        relevant = covering(data.draw(st.sampled_from(entry_specs), label="entry"))
        withdrawn_spec = data.draw(relevant | consents, label="withdrawn")
        given_consents = make_consents(world, [*consent_specs, withdrawn_spec])
        withdrawn = data.draw(st.sampled_from(given_consents), label="which to withdraw")
        make_bases(world, basis_specs)
        before = granted(world, records)
        services.withdraw_consent(withdrawn, by=world.teacher, reason="The family withdrew it")
        after = granted(world, records)
        assert after <= before
        event("the withdrawal narrowed access" if after < before else "nothing changed")


# --- (b) nobody outside the municipality sees anything --------------------------------------


@PROPERTY_SETTINGS
@given(
    entry_specs=st.lists(entries, min_size=1, max_size=5),
    consent_specs=st.lists(consents, max_size=3),
    basis_specs=st.lists(bases, max_size=2),
    outsider=st.sampled_from(OUTSIDERS),
)
def test_nobody_outside_the_municipality_sees_the_case_or_any_of_its_entries(
    world: World,
    entry_specs: list[EntrySpec],
    consent_specs: list[ConsentSpec],
    basis_specs: list[BasisSpec],
    outsider: str,
) -> None:
    with rolled_back():
        records = make_entries(world, entry_specs) + make_goals(world, entry_specs)
        make_consents(world, consent_specs)
        make_bases(world, basis_specs)
        actor = world.actor(outsider)
        assert not policy.decide(actor, "view", world.case)
        assert not policy.decide(actor, "emergency", world.case)
        assert not any(policy.decide(actor, "view", record) for record in records)
        assert not selectors.visible_cases(actor).exists()
        with pytest.raises(Http404):
            selectors.case_page(actor, world.case.pk)
        with pytest.raises(Http404):
            selectors.plan_for(actor, world.case.pk)
        with pytest.raises(PermissionDenied):
            services.record_concern(world.child, by=actor, text="Across the border")


# --- (c) every read is audited, every refusal too --------------------------------------------

SELECTORS = ("get_case_for", "case_page", "plan_for")


def read(name: str, world: World, actor_name: str) -> None:
    actor = world.actor(actor_name)
    try:
        if name == "get_case_for":
            selectors.get_case_for(actor, world.case.pk)
        elif name == "case_page":
            selectors.case_page(actor, world.case.pk)
        else:
            selectors.plan_for(actor, world.case.pk)
    except Http404:
        pass


def outcome(decision: policy.Decision) -> str:
    return AuditEvent.Outcome.GRANTED if decision else AuditEvent.Outcome.REFUSED


@PROPERTY_SETTINGS
@given(
    entry_specs=st.lists(entries, min_size=1, max_size=4),
    goal_specs=st.lists(entries, max_size=3),
    consent_specs=st.lists(consents, max_size=2),
    emergency=st.booleans(),
    reads=st.lists(st.tuples(st.sampled_from(SELECTORS), st.sampled_from(EVERYONE)),
                   min_size=1, max_size=4),
)  # fmt: skip
def test_every_read_through_the_selectors_is_audited_granted_or_refused(
    world: World,
    entry_specs: list[EntrySpec],
    goal_specs: list[EntrySpec],
    consent_specs: list[ConsentSpec],
    emergency: bool,
    reads: list[tuple[str, str]],
) -> None:
    with rolled_back():
        log = make_entries(world, entry_specs)
        goals = make_goals(world, goal_specs)
        make_consents(world, consent_specs)
        if emergency:
            services.open_emergency_access(world.case, by=world.actor("nav"),
                                           reason="Acute situation at home tonight")  # fmt: skip
        for selector, actor_name in reads:
            actor = world.actor(actor_name)
            case_decision = policy.decide(actor, "view", world.case)
            expected = {("coordination.case", str(world.case.pk)): outcome(case_decision)}
            if case_decision and selector != "get_case_for":
                items = log if selector == "case_page" else goals
                for item in items:
                    key = (f"coordination.{item._meta.model_name}", str(item.pk))
                    expected[key] = outcome(policy.decide(actor, "view", item))
            last = AuditEvent.objects.order_by("-sequence").values_list("sequence", flat=True)[0]
            read(selector, world, actor_name)
            events = AuditEvent.objects.filter(sequence__gt=last, actor_id=actor.user.pk)
            recorded = {(e.object_type, e.object_id): e.outcome for e in events
                        if (e.object_type, e.object_id) in expected}  # fmt: skip
            assert recorded == expected, (selector, actor_name)
            event(f"{selector}: {sorted(set(expected.values()))}")
