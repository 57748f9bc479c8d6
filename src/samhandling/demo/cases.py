"""The demo's coordination cases: about 25 in Skien, each built with the real services.

What the cases show:
- cases at every level 0–3, teams across sectors, a plan with goals in the child's own words,
  measures with responsible services and persons, evaluations, meetings with agreed actions;
- consents given by a guardian, by a 16-year-old (health only) and by a young adult, one
  withdrawn and one expired; a legal basis (the school's duty to inform child welfare);
- referrals in every status, one of them overdue;
- a kindergarten → school transition, an 18 → adult services transition proposed by the
  scheduler's rule, a case closed after approval, one awaiting approval, a pending coordinator
  handover, and a concern passed on to a case its sender cannot see;
- a child welfare entry that the school does not see, because no consent covers it;
- the family's side (samhandling.portal): demo citizens who sign in without a password — a
  youth of 16 who follows their own case and can withdraw the health consent, a guardian of a
  14-year-old who does not see the child's health conversation, a guardian of the 16-year-old
  who sees none of the youth's health case, and a young adult; the child's voice in the plan,
  in their own words and recorded on their behalf.
"""

from __future__ import annotations

import datetime
import random

from samhandling.access.models import LegalBasis
from samhandling.coordination import services
from samhandling.coordination.models import (
    Case,
    Goal,
    LogEntry,
    Measure,
    Transition,
    Visibility,
    Voice,
)
from samhandling.organisations.models import Sector
from samhandling.people import services as people
from samhandling.people.identity import synthetic_norwegian_id
from samhandling.people.models import FamilyRelation, Person

from .coordination import DemoCases, eighteenth_birthday, guardian_of, guardians_of, plan_of

Kind = LogEntry.Kind
VoiceKind = Voice.Kind

# The demo citizens (demo sign-in, no password) and what each of them sees.
CITIZENS = {
    "ungdom": "youth of 16: their own case — plan, meetings, the health conversations, "
    "consent to withdraw",
    "forelder": "guardian of a 14-year-old: the child's case, except the health conversation "
    "kept from guardians",
    "forelder_ungdom": "guardian of the 16-year-old: sees nothing of the youth's health case "
    "(from 16 it is the youth's own)",
    "ung_voksen": "young adult of 20: their own case with NAV and the refugee service",
}

# Cases that one service handles: coordinator, ages, level, the concern, what was done.
SIMPLE_CASES = [
    ("laerer", (6, 7), 0, "Virker sliten og trekker seg unna i friminuttene.", ""),
    ("laerer", (13, 13), 1, "Mange konflikter med medelever den siste måneden.",
     "Samtale med eleven og foresatte; avtalt ukentlig oppfølging."),
    ("helsesykepleier", (12, 12), 1, "Hyppige besøk med hodepine og magesmerter.",
     "Samtaler hos helsesykepleier annenhver uke."),
    ("barnevern", (10, 11), 1, "Melding fra nabo om uro i hjemmet.",
     "Undersøkelse startet; samtale med foresatte."),
    ("barnevern", (2, 2), 0, "Henvendelse fra foresatt som ber om råd.", ""),
    ("barnehage", (3, 3), 1, "Lite språk sammenlignet med jevnaldrende.",
     "Språkgruppe to ganger i uken."),
    ("barnehage", (4, 4), 0, "Trekker seg unna lek med andre barn.", ""),
    ("helsestasjon", (1, 1), 1, "Lav vektøkning ved 12-månederskontrollen.",
     "Ekstra kontroller og veiledning om kosthold."),
    ("nav", (19, 19), 0, "Har avbrutt videregående og har ingen aktivitet.", ""),
    ("integrering", (8, 9), 1, "Ny i Norge; trenger hjelp til å finne fritidstilbud.",
     "Kontakt med fritidsklubb og leksehjelp."),
    ("politi", (14, 15), 0, "Observert sammen med eldre ungdom i miljø med rus.", ""),
]  # fmt: skip


def build(demo: DemoCases) -> int:
    """Every demo case, then the scheduler's rule for youths turning 18. Returns how many."""
    for scenario in (
        laerer_level_3,
        laerer_handover_and_referral_sent,
        laerer_child_welfare_hidden_from_school,
        laerer_withdrawn_consent,
        laerer_expired_consent,
        laerer_awaiting_closing_approval,
        laerer_closed_after_approval,
        laerer_concern_passed_on,
        laerer_overdue_referral,
        laerer_declined_referral,
        youth_consents_to_health,
        kindergarten_to_school,
        turning_eighteen,
        young_adult_consents_for_themselves,
    ):
        scenario(demo)
    for username, (youngest, oldest), level, text, action in SIMPLE_CASES:
        case = demo.concern(username, demo.child(youngest, oldest), text, days_ago=21)
        if level:
            demo.level(case, username, (level, "Tjenesten følger opp selv."))
        if action:
            demo.log(case, username, Kind.ACTION, action, days_ago=14)
    services.propose_adult_transitions(today=demo.reference_date)
    return len(demo.cases)


def laerer_level_3(demo: DemoCases) -> Case:
    """The full picture: several services, a plan, meetings past and upcoming."""
    case = demo.concern(
        "laerer",
        demo.child(14, 14),
        "Har vært borte fra skolen elleve dager den siste måneden og sovner i timene.",
        childs_words="Jeg orker ikke å gå på skolen når det er bråk hjemme.",
        days_ago=75,
    )
    demo.level(case, "laerer", (1, "Kontaktlærer følger opp med faste samtaler."))
    demo.consent(
        case,
        "laerer",
        sectors=[Sector.SCHOOL, Sector.SCHOOL_HEALTH, Sector.PPT],
        services_of=["laerer", "helsesykepleier", "ppt"],
        purpose="Samarbeid om oppmøte, søvn og læring",
        valid_from=demo.day(-60),
        valid_to=demo.day(305),
    )
    demo.join(case, "laerer", "helsesykepleier", "helsesykepleier")
    demo.join(case, "laerer", "ppt", "PP-rådgiver")
    demo.level(
        case,
        "laerer",
        (2, "Skolehelsetjenesten og PPT er med."),
        (3, "Flere tjenester; behov for koordinator og en felles plan."),
    )
    family = demo.family(case, "laerer")
    demo.log(
        case,
        "laerer",
        Kind.CONVERSATION,
        "Samtale om hvordan skoledagene er.",
        days_ago=50,
        childs_words="Det er best når jeg vet hva som skal skje.",
        family_visible=True,
    )
    demo.log(
        case,
        "helsesykepleier",
        Kind.OBSERVATION,
        "Forteller om innsovningsvansker og hodepine flere ganger i uken.",
        days_ago=45,
    )
    demo.log(
        case,
        "helsesykepleier",
        Kind.NOTE,
        "Notat om helseopplysninger som bare skolehelsetjenesten trenger.",
        days_ago=44,
        visibility=Visibility.SERVICE,
    )
    demo.log(  # shared with the family, but never with the guardians (nor the school)
        case,
        "helsesykepleier",
        Kind.CONVERSATION,
        "Helsesamtale om søvn, stress og hvordan det er hjemme. Avtalt at det eleven forteller "
        "her, blir mellom eleven og helsesykepleier.",
        days_ago=40,
        childs_words="Jeg vil ikke at de hjemme skal bli lei seg.",
        visibility=Visibility.SERVICE,
        family_visible=True,
        hidden_from_guardians=True,
    )
    demo.log(
        case,
        "ppt",
        Kind.OBSERVATION,
        "Kartlegging viser lesevansker; anbefaler utredning.",
        days_ago=30,
        visibility=Visibility.SECTORS,
        visible_sectors=[Sector.SCHOOL],
    )
    plan = plan_of(case)
    services.update_plan_summary(
        plan,
        by=demo.actor("laerer"),
        expected_version=plan.version,
        summary="Felles plan for oppmøte, søvn og lesing, laget sammen med eleven og foresatte.",
    )
    attend = demo.goal(
        case,
        "laerer",
        "Møte på skolen hver dag",
        "Jeg vil klare å være på skolen uten å få vondt i magen.",
    )
    sleep = demo.goal(
        case,
        "helsesykepleier",
        "Bedre søvn",
        "Jeg vil sovne før midnatt og ikke være så trøtt.",
    )
    reading = demo.goal(
        case, "ppt", "Lese med mer selvtillit", "Jeg vil lese høyt uten at noen ler."
    )
    talks = demo.measure(
        case,
        "laerer",
        "Fast samtale med kontaktlærer hver mandag",
        responsible="laerer",
        starts=-40,
        ends=4,
        goal=attend,
        frequency="Hver uke",
    )
    demo.measure(
        case,
        "helsesykepleier",
        "Samtaler om søvn og stress",
        responsible="helsesykepleier",
        starts=-30,
        ends=60,
        goal=sleep,
        frequency="Annenhver uke",
    )
    demo.measure(
        case,
        "ppt",
        "Utredning av lese- og skrivevansker",
        responsible="ppt",
        starts=-20,
        ends=45,
        goal=reading,
        status=Measure.Status.PLANNED,
    )
    services.add_evaluation(
        plan,
        by=demo.actor("laerer"),
        measure=talks,
        outcome="partly",
        text="Fraværet har gått ned fra elleve til fire dager.",
    )
    services.add_evaluation(
        plan,
        by=demo.actor("helsesykepleier"),
        goal=sleep,
        outcome="early",
        text="For tidlig å si; ny vurdering i mars.",
    )
    members = demo.team(case)
    past = services.schedule_meeting(
        case,
        by=demo.actor("laerer"),
        starts_at=demo.at(-14, 13),
        place="Møterom 2, Eksempel ungdomsskole",
        agenda="Oppstart av felles plan",
        participants=members,
        family=family,
    )
    services.record_minutes(
        past,
        by=demo.actor("laerer"),
        minutes="Eleven og foresatte deltok. Enighet om mål for oppmøte og søvn.",
        actions=[
            services.AgreedAction(
                title="Ringe foresatte om morgenrutiner",
                service=demo.service("laerer"),
                due=demo.day(3),
                assignee=demo.users["laerer"],
            ),
            services.AgreedAction(
                title="Tilrettelagt oppmøte: start kl. 09 to dager i uken",
                service=demo.service("laerer"),
                due=demo.day(90),
                assignee=demo.users["laerer"],
                as_measure=True,
            ),
        ],
    )
    services.schedule_meeting(
        case,
        by=demo.actor("laerer"),
        starts_at=demo.at(2, 9),
        place="Møterom 2, Eksempel ungdomsskole",
        agenda="Evaluering av tiltakene; elevens egne ord om hvordan det går",
        participants=members,
        family=family,
    )
    guardian = guardian_of(case.person)  # the one who gave the consent above
    assert guardian is not None, "a demo child under 16 has a guardian"
    demo.citizen("forelder", guardian)
    demo.voice(
        case,
        "forelder",
        VoiceKind.DOES_NOT_WORK,
        "Morgenene er fortsatt vanskelige. Det blir krangel om å stå opp nesten hver dag.",
    )
    return case


def laerer_handover_and_referral_sent(demo: DemoCases) -> Case:
    """A referral waiting for an answer, and the coordinator role offered to the nurse."""
    case = demo.concern(
        "laerer",
        demo.child(13, 13),
        "Har mistet mye vekt siden sommeren og spiser ikke lunsj.",
        childs_words="Jeg er ikke sulten på skolen.",
        days_ago=40,
    )
    [consent] = demo.consent(
        case,
        "laerer",
        sectors=[Sector.SCHOOL, Sector.SCHOOL_HEALTH, Sector.PPT],
        services_of=["laerer", "helsesykepleier", "ppt"],
        purpose="Oppfølging av helse og skolehverdag",
    )
    demo.join(case, "laerer", "helsesykepleier", "helsesykepleier")
    demo.level(case, "laerer", (2, "Skolen og skolehelsetjenesten samarbeider."))
    demo.log(
        case,
        "helsesykepleier",
        Kind.ACTION,
        "Veiing og samtale; henvist til fastlege.",
        days_ago=20,
    )
    goal = demo.goal(
        case,
        "helsesykepleier",
        "Spise lunsj på skolen",
        "Jeg kan spise hvis jeg får sitte et rolig sted.",
    )
    demo.measure(
        case,
        "helsesykepleier",
        "Lunsj i et rolig rom med en voksen",
        responsible="helsesykepleier",
        starts=-10,
        ends=50,
        goal=goal,
        frequency="Hver skoledag",
    )
    services.refer(
        case,
        by=demo.actor("laerer"),
        to_service=demo.service("ppt"),
        reason="Ønsker vurdering av behov for tilrettelegging.",
        consent=consent,
    )
    services.propose_coordinator(
        case,
        by=demo.actor("laerer"),
        to_user=demo.users["helsesykepleier"],
        to_service=demo.service("helsesykepleier"),
    )
    return case


def laerer_child_welfare_hidden_from_school(demo: DemoCases) -> Case:
    """The school informs child welfare under its duty; child welfare's notes stay there."""
    case = demo.concern(
        "laerer",
        demo.child(12, 12),
        "Forteller om vold hjemme; har blåmerker på armene.",
        childs_words="Pappa blir så sint.",
        days_ago=35,
    )
    basis = services.record_legal_basis(
        case,
        by=demo.actor("laerer"),
        law=LegalBasis.Law.EDUCATION_ACT_DUTY,
        description="Skolens opplysningsplikt til barneverntjenesten",
        from_service=demo.service("laerer"),
        to_service=demo.service("barnevern"),
        sectors=[Sector.SCHOOL],
        valid_from=demo.day(-34),
    )
    referral = services.refer(
        case,
        by=demo.actor("laerer"),
        to_service=demo.service("barnevern"),
        reason="Bekymringsmelding etter elevens fortelling om vold hjemme.",
        legal_basis=basis,
    )
    services.mark_referral_received(referral, by=demo.actor("barnevern"))
    services.accept_referral(referral, by=demo.actor("barnevern"))
    demo.level(case, "laerer", (2, "Skolen og barneverntjenesten samarbeider."))
    demo.log(
        case,
        "barnevern",
        Kind.DECISION,
        "Undersøkelse åpnet; akuttvurdering gjort, ikke grunnlag for akuttvedtak.",
        days_ago=30,
    )
    demo.measure(
        case,
        "barnevern",
        "Foreldreveiledning (hjelpetiltak)",
        responsible="barnevern",
        starts=-20,
        ends=120,
        frequency="Hver uke",
    )
    demo.log(case, "laerer", Kind.OBSERVATION, "Roligere i timene de siste ukene.", days_ago=10)
    return case


def laerer_withdrawn_consent(demo: DemoCases) -> Case:
    case = demo.concern(
        "laerer", demo.child(10, 10), "Klager ofte over vondt i magen.", days_ago=60
    )
    [consent] = demo.consent(
        case,
        "laerer",
        sectors=[Sector.SCHOOL, Sector.SCHOOL_HEALTH],
        services_of=["laerer", "helsesykepleier"],
        purpose="Samarbeid om helse og trivsel",
        valid_from=demo.day(-55),
    )
    demo.join(case, "laerer", "helsesykepleier", "helsesykepleier")
    demo.level(case, "laerer", (2, "Skolen og skolehelsetjenesten samarbeider."))
    demo.log(
        case,
        "helsesykepleier",
        Kind.CONVERSATION,
        "Samtale om smerter og søvn.",
        days_ago=40,
        childs_words="Det gjør vondt om morgenen.",
    )
    services.withdraw_consent(
        consent,
        by=demo.actor("laerer"),
        reason="Foresatte ønsker ikke lenger deling mellom tjenestene.",
    )
    return case


def laerer_expired_consent(demo: DemoCases) -> Case:
    case = demo.concern(
        "laerer", demo.child(11, 11), "Strever med lesing og skriving.", days_ago=400
    )
    demo.consent(
        case,
        "laerer",
        sectors=[Sector.SCHOOL, Sector.PPT],
        services_of=["laerer", "ppt"],
        purpose="Kartlegging forrige skoleår",
        valid_from=demo.day(-390),
        valid_to=demo.day(-60),
    )
    demo.consent(
        case,
        "laerer",
        sectors=[Sector.SCHOOL, Sector.SCHOOL_HEALTH],
        services_of=["laerer", "helsesykepleier"],
        purpose="Oppfølging dette skoleåret",
        valid_from=demo.day(-20),
    )
    demo.join(case, "laerer", "helsesykepleier", "helsesykepleier")
    demo.level(
        case,
        "laerer",
        (1, "Skolen tilrettelegger."),
        (2, "Skolehelsetjenesten er med dette skoleåret."),
    )
    return case


def laerer_awaiting_closing_approval(demo: DemoCases) -> Case:
    case = demo.concern(
        "laerer", demo.child(15, 15), "Mye fravær og lite motivasjon.", days_ago=200
    )
    demo.consent(
        case,
        "laerer",
        sectors=[Sector.SCHOOL, Sector.PPT],
        services_of=["laerer", "ppt"],
        purpose="Tilrettelegging i skolen",
        valid_from=demo.day(-190),
    )
    demo.join(case, "laerer", "ppt", "PP-rådgiver")
    demo.level(case, "laerer", (2, "Skolen og PPT samarbeider."))
    goal = demo.goal(case, "laerer", "Fullføre ungdomsskolen", "Jeg vil komme inn på vg1 elektro.")
    services.set_goal_status(goal, by=demo.actor("laerer"), status=Goal.Status.REACHED)
    services.request_closing(
        case,
        by=demo.actor("laerer"),
        reason="Målene er nådd; eleven trives og har lite fravær.",
    )
    return case


def laerer_closed_after_approval(demo: DemoCases) -> Case:
    case = demo.concern(
        "laerer", demo.child(9, 9), "Blir holdt utenfor av medelever.", days_ago=180
    )
    demo.consent(
        case,
        "laerer",
        sectors=[Sector.SCHOOL, Sector.SCHOOL_HEALTH],
        services_of=["laerer", "helsesykepleier"],
        purpose="Trivsel og helse",
        valid_from=demo.day(-170),
    )
    demo.join(case, "laerer", "helsesykepleier", "helsesykepleier")
    demo.level(case, "laerer", (2, "Skolen og skolehelsetjenesten samarbeider."))
    goal = demo.goal(
        case,
        "laerer",
        "Ha noen å være sammen med i friminuttene",
        "Jeg vil være med på fotball.",
    )
    services.add_evaluation(
        plan_of(case),
        by=demo.actor("laerer"),
        goal=goal,
        outcome="worked",
        text="Er med i fotballgruppa hver dag.",
    )
    services.request_closing(case, by=demo.actor("laerer"), reason="Målet er nådd.")
    services.approve_closing(case, by=demo.actor("leder"))
    return case


def laerer_concern_passed_on(demo: DemoCases) -> Case:
    """A second professional's concern goes to the coordinator, not into the case."""
    child = demo.child(8, 8)
    case = demo.concern(
        "laerer", child, "Kommer ofte uten matpakke og i for tynne klær.", days_ago=25
    )
    demo.level(case, "laerer", (1, "Skolen følger opp med foresatte."))
    demo.log(case, "laerer", Kind.ACTION, "Samtale med foresatte om klær og mat.", days_ago=18)
    result = services.record_concern(
        child,
        by=demo.actor("kultur"),
        text="Er på fritidsklubben til stengetid hver dag og sier ingen er hjemme.",
        observed_on=demo.day(-2),
    )
    assert result.forwarded
    return case


def laerer_overdue_referral(demo: DemoCases) -> Case:
    case = demo.concern("laerer", demo.child(14, 14), "Faglig langt bak og gir opp.", days_ago=45)
    demo.level(case, "laerer", (1, "Skolen prøver tilpasset opplæring."))
    [consent] = demo.consent(
        case,
        "laerer",
        sectors=[Sector.SCHOOL, Sector.PPT],
        services_of=["laerer", "ppt"],
        purpose="Sakkyndig vurdering",
    )
    # refer() counts the deadline from today; a negative number of days makes it overdue.
    services.refer(
        case,
        by=demo.actor("laerer"),
        to_service=demo.service("ppt"),
        reason="Ber om sakkyndig vurdering av behov for spesialundervisning.",
        consent=consent,
        answer_within_days=-6,
    )
    return case


def laerer_declined_referral(demo: DemoCases) -> Case:
    case = demo.concern(
        "laerer", demo.child(7, 7), "Urolig og har vansker med å konsentrere seg.", days_ago=50
    )
    demo.level(case, "laerer", (1, "Skolen prøver tiltak i klassen."))
    [consent] = demo.consent(
        case,
        "laerer",
        sectors=[Sector.SCHOOL, Sector.PPT],
        services_of=["laerer", "ppt"],
        purpose="Råd om tilrettelegging",
    )
    referral = services.refer(
        case,
        by=demo.actor("laerer"),
        to_service=demo.service("ppt"),
        reason="Ønsker utredning av konsentrasjonsvansker.",
        consent=consent,
    )
    services.decline_referral(
        referral,
        by=demo.actor("ppt"),
        reason="Prøv tiltakene i klassen først; PPT gir råd i et drøftingsmøte.",
    )
    return case


def youth_consents_to_health(demo: DemoCases) -> Case:
    """At 16 the youth consents to health matters and follows their own case; psychiatry for
    children and young people joins under that consent and loses the nurse's entries if the
    youth withdraws it. The youth's guardian sees nothing of it."""
    case = demo.concern(
        "helsesykepleier",
        demo.child(16, 16),
        "Forteller om angst og søvnvansker; har sluttet på håndball.",
        childs_words="Jeg vil ikke at mamma skal vite alt.",
        days_ago=30,
    )
    [consent] = demo.consent(
        case,
        "helsesykepleier",
        sectors=[Sector.SCHOOL_HEALTH, Sector.MENTAL_HEALTH],
        services_of=["helsesykepleier", "psykiskhelse"],
        purpose="Henvisning til psykisk helse",
    )
    demo.level(case, "helsesykepleier", (1, "Skolehelsetjenesten følger opp."))
    demo.log(  # the youth reads it; a guardian never would
        case,
        "helsesykepleier",
        Kind.CONVERSATION,
        "Samtale om angst og søvn. Det er verst om kvelden, og det tar lang tid å sovne.",
        days_ago=12,
        childs_words="Jeg ligger og tenker på alt som kan gå galt.",
        family_visible=True,
        hidden_from_guardians=True,
    )
    referral = services.refer(
        case,
        by=demo.actor("helsesykepleier"),
        to_service=demo.service("psykiskhelse"),
        reason="Vurdering av angst; ønsker samtaletilbud.",
        consent=consent,
    )
    services.mark_referral_received(referral, by=demo.actor("psykiskhelse"))
    demo.join(case, "helsesykepleier", "psykiskhelse", "psykolog, første vurdering")
    demo.level(case, "helsesykepleier", (2, "Skolehelsetjenesten og psykisk helse samarbeider."))
    goal = demo.goal(
        case,
        "helsesykepleier",
        "Sove bedre og bli tryggere",
        "Jeg vil sove om natta og begynne på håndball igjen.",
    )
    demo.measure(
        case,
        "helsesykepleier",
        "Samtaler med helsesykepleier",
        responsible="helsesykepleier",
        starts=-10,
        ends=80,
        goal=goal,
        frequency="Annenhver uke",
    )
    demo.measure(
        case,
        "helsesykepleier",
        "Vurdering hos psykisk helse for barn og unge",
        responsible="psykiskhelse",
        starts=4,
        ends=30,
        goal=goal,
        status=Measure.Status.PLANNED,
    )
    demo.log(
        case,
        "helsesykepleier",
        Kind.ACTION,
        "Vi ble enige om samtaler annenhver uke og en vurdering hos psykisk helse. "
        "Ungdommen bestemmer selv hva foreldrene får vite.",
        days_ago=6,
        family_visible=True,
    )
    youth = services.add_family_participant(
        case, by=demo.actor("helsesykepleier"), person=case.person, role="ungdommen"
    )
    members = demo.team(case)
    past = services.schedule_meeting(
        case,
        by=demo.actor("helsesykepleier"),
        starts_at=demo.at(-6, 14),
        place="Helsesykepleiers kontor, Eksempel ungdomsskole",
        agenda="Hva er viktig for deg? Plan for de neste ukene",
        participants=members,
        family=[youth],
    )
    services.record_minutes(
        past,
        by=demo.actor("helsesykepleier"),
        minutes="Ungdommen fortalte hva som er viktigst: å sove bedre og komme tilbake til "
        "håndballen. Avtalt samtaler annenhver uke og en vurdering hos psykisk helse.",
    )
    services.schedule_meeting(
        case,
        by=demo.actor("helsesykepleier"),
        starts_at=demo.at(8, 14),
        place="Helsesykepleiers kontor, Eksempel ungdomsskole",
        agenda="Hvordan går det med søvnen? Psykologen forteller om vurderingen",
        participants=members,
        family=[youth],
    )
    demo.citizen("ungdom", case.person)
    demo.voice(
        case,
        "ungdom",
        VoiceKind.MATTERS,
        "At jeg får sove, og at jeg selv bestemmer hva mamma og pappa får vite.",
    )
    demo.voice(
        case,
        "helsesykepleier",
        VoiceKind.WORKS,
        "Det hjelper å skrive ned tankene før jeg legger meg.",
    )
    # A guardian of the youth who is not already a demo citizen (siblings share parents).
    taken = {person.pk for person in demo.citizens.values()}
    guardian = next((g for g in guardians_of(case.person) if g.pk not in taken), None)
    if guardian is not None:
        demo.citizen("forelder_ungdom", guardian)
    return case


def kindergarten_to_school(demo: DemoCases) -> Case:
    """Level 3 in kindergarten, a completed referral and the start of school next August."""
    case = demo.concern(
        "barnehage", demo.child(5, 5), "Lite språk og vansker med å delta i lek.", days_ago=160
    )
    [consent] = demo.consent(
        case,
        "barnehage",
        sectors=[Sector.KINDERGARTEN, Sector.FAMILY_HEALTH, Sector.PPT, Sector.SCHOOL],
        services_of=["barnehage", "helsestasjon", "ppt", "laerer"],
        purpose="Samarbeid før og ved skolestart",
        valid_from=demo.day(-150),
    )
    demo.join(case, "barnehage", "helsestasjon", "helsesykepleier, helsestasjonen")
    referral = services.refer(
        case,
        by=demo.actor("barnehage"),
        to_service=demo.service("ppt"),
        reason="Sakkyndig vurdering av språk før skolestart.",
        consent=consent,
    )
    services.accept_referral(referral, by=demo.actor("ppt"))
    demo.level(
        case,
        "barnehage",
        (2, "Barnehagen og helsestasjonen samarbeider."),
        (3, "PPT er med; en felles plan for overgangen til skolen."),
    )
    demo.family(case, "barnehage")
    goal = demo.goal(case, "barnehage", "Trygg skolestart", "Jeg gleder meg til å få egen sekk.")
    demo.measure(
        case,
        "barnehage",
        "Språkgruppe tre ganger i uken",
        responsible="barnehage",
        starts=-120,
        ends=200,
        goal=goal,
        frequency="Tre ganger i uken",
    )
    demo.measure(
        case,
        "ppt",
        "Sakkyndig vurdering",
        responsible="ppt",
        starts=-100,
        ends=-10,
        goal=goal,
        status=Measure.Status.DONE,
    )
    services.complete_referral(referral, by=demo.actor("ppt"))
    start = datetime.date(demo.today.year, 8, 17)
    if start <= demo.today:
        start = start.replace(year=start.year + 1)
    transition = services.plan_transition(
        case,
        by=demo.actor("barnehage"),
        kind=Transition.Kind.KINDERGARTEN_SCHOOL,
        planned_for=start,
        from_service=demo.service("barnehage"),
        to_service=demo.orgs["primary_school"],
    )
    services.tick_transition_item(transition, by=demo.actor("barnehage"), index=1, done=True)
    return case


def turning_eighteen(demo: DemoCases) -> Case:
    """A youth who turns 18 within six months: the 18 → adult services rule proposes it."""
    child, guardian = _youth_turning_eighteen(demo)
    case = demo.concern(
        "psykiskhelse",
        child,
        "Depresjon; har falt ut av skolen i høst.",
        childs_words="Jeg vet ikke hva jeg skal gjøre etter sommeren.",
        days_ago=90,
    )
    if guardian is not None:
        people.relate(
            child,
            by=demo.actor("psykiskhelse"),
            relative=guardian,
            kind=FamilyRelation.Kind.GUARDIAN,
            parental_responsibility=True,
        )
    demo.consent(
        case,
        "psykiskhelse",
        sectors=[Sector.MENTAL_HEALTH, Sector.SCHOOL_HEALTH, Sector.NAV],
        services_of=["psykiskhelse", "helsesykepleier", "nav"],
        purpose="Overgang til voksentjenester",
        valid_from=demo.day(-80),
    )
    demo.join(case, "psykiskhelse", "nav", "veileder ungdom")
    demo.join(case, "psykiskhelse", "helsesykepleier", "helsesykepleier")
    demo.level(
        case,
        "psykiskhelse",
        (2, "Psykisk helse og NAV samarbeider."),
        (3, "Tre tjenester; en plan fram mot 18 år."),
    )
    goal = demo.goal(
        case,
        "psykiskhelse",
        "Skole eller jobb etter sommeren",
        "Jeg vil ha noe å stå opp til om morgenen.",
    )
    demo.measure(
        case,
        "nav",
        "Arbeidstrening i kommunal praksisplass",
        responsible="nav",
        starts=14,
        ends=120,
        goal=goal,
        status=Measure.Status.PLANNED,
    )
    demo.measure(
        case,
        "psykiskhelse",
        "Samtaleterapi",
        responsible="psykiskhelse",
        starts=-60,
        ends=90,
        goal=goal,
        frequency="Hver uke",
    )
    return case


def _youth_turning_eighteen(demo: DemoCases) -> tuple[Person, Person | None]:
    """A child whose 18th birthday is one to six months after the reference date, and the
    guardian still to be related when the youth had to be registered for the demo."""
    soon, later = (demo.reference_date + datetime.timedelta(days=d) for d in (30, 180))
    for person in demo.pool:
        if soon <= eighteenth_birthday(person.date_of_birth) <= later:
            demo.pool.remove(person)
            return person, None
    # Nobody of that age in this seed's population: register one, and a guardian.
    rng = random.Random(demo.seed + 18)
    birthday = demo.reference_date + datetime.timedelta(days=90)
    born = datetime.date(birthday.year - 18, birthday.month, min(birthday.day, 28))
    parent_born = datetime.date(born.year - 30, born.month, born.day)
    skien = demo.service("psykiskhelse").municipality
    assert skien is not None
    youth, parent = (
        people.register_person(
            by=demo.actor("psykiskhelse"),
            given_name=given,
            family_name="Eksempel",
            date_of_birth=day,
            municipality=skien,
            national_id=synthetic_norwegian_id(day, rng),
        )
        for given, day in (("Mina", born), ("Tone", parent_born))
    )
    return youth, parent


def young_adult_consents_for_themselves(demo: DemoCases) -> Case:
    case = demo.concern(
        "nav",
        demo.child(20, 20),
        "Ung voksen uten bolig; har avbrutt introduksjonsprogrammet.",
        days_ago=70,
    )
    demo.consent(
        case,
        "nav",
        sectors=[Sector.NAV, Sector.INTEGRATION],
        services_of=["nav", "integrering"],
        purpose="Bolig, skole og arbeid",
        valid_from=demo.day(-60),
    )
    demo.join(case, "nav", "integrering", "programrådgiver")
    demo.level(case, "nav", (2, "NAV og flyktningtjenesten samarbeider."))
    goal = demo.goal(case, "nav", "Egen bolig", "Jeg vil ha et sted å bo som er mitt.")
    demo.measure(
        case,
        "nav",
        "Søknad om kommunal bolig",
        responsible="nav",
        starts=-30,
        ends=30,
        goal=goal,
    )
    demo.measure(
        case,
        "integrering",
        "Norskopplæring og praksisplass",
        responsible="integrering",
        starts=-50,
        ends=150,
        goal=goal,
    )
    demo.log(
        case,
        "nav",
        Kind.ACTION,
        "Søknad om kommunal bolig er sendt. Svar kommer innen fire uker.",
        days_ago=20,
        family_visible=True,
    )
    demo.citizen("ung_voksen", case.person)
    return case
