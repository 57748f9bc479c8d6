"""One child's way through the services, in the browser, from the first concern to a closed case.

Each run registers a new synthetic child with a random family name, so a rerun against the same
database never meets the child of an earlier run.
"""

import datetime
import random
import re
import string

import pytest
from django.utils import timezone
from playwright.sync_api import Locator, Page, Response, expect
from tests.e2e.support import (
    check_axe,
    nb,
    open_details,
    search_people,
    sign_in,
    sign_out,
)

from samhandling.coordination.models import Case, Evaluation, Level, LogEntry, Referral
from samhandling.demo.management.commands.seed_demo import PROFESSIONALS, SERVICES
from samhandling.organisations.models import Sector
from samhandling.people.identity import synthetic_norwegian_id

pytestmark = pytest.mark.e2e

SERVICE_NAMES = dict(SERVICES)
SCHOOL = SERVICE_NAMES[Sector.SCHOOL]
SCHOOL_HEALTH = SERVICE_NAMES[Sector.SCHOOL_HEALTH]
PPT = SERVICE_NAMES[Sector.PPT]
FULL_NAMES = {username: f"{first} {last}" for username, first, last, *_rest in PROFESSIONALS}
NURSE = FULL_NAMES["helsesykepleier"]

CONCERN = "Har sovnet i timene flere ganger denne uken og sier at hun ikke orker noe."
CHILDS_WORDS = "Jeg sover nesten ingenting om natta."
GOAL = "Sove godt nok til å orke skoledagen"
GOAL_WORDS = "Jeg vil være våken i timene og ha det fint med vennene mine."
MEASURE = "Fast samtale med kontaktlærer hver fredag"
AGREED_ACTION = "Samtaler om søvn hos helsesykepleier"
REFERRAL_REASON = "Ber om en vurdering av om eleven trenger tilrettelegging i undervisningen."
NURSE_NOTE = "Helseopplysninger som bare skolehelsetjenesten skal se: blodprøve tatt."
EVALUATION = "Samtalene har startet; for tidlig å si om de virker."
CLOSING_REASON = "Eleven sover bedre og har lite fravær; målet er nådd."


def submit(form: Locator, button: str) -> Response:
    """Clicks the form's button and returns the response to the page it leads to."""
    page = form.page
    # By keyboard, as many users do: focus the button and press Enter. (A mouse click lands on
    # screen coordinates, which a late web-font swap can move under the pointer.)
    submit_button = form.get_by_role("button", name=button, exact=True)
    submit_button.focus()
    with page.expect_navigation() as navigation:
        submit_button.press("Enter")
    response = navigation.value
    assert response is not None
    return response


def submit_in_place(form: Locator, button: str) -> int:
    """Presses the form's button (an htmx form: no navigation) and returns the status of the
    response once htmx has swapped it in."""
    page = form.page
    submit_button = form.get_by_role("button", name=button, exact=True)
    submit_button.focus()
    action = form.get_attribute("action")
    with page.expect_response(
        lambda response: response.request.method == "POST" and response.url.endswith(action or "")
    ) as answer:
        submit_button.press("Enter")
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"
    )
    return answer.value.status


def follow(page: Page, link: Locator) -> None:
    expect(link).to_be_visible()
    with page.expect_navigation():
        link.click()


def success(page: Page, message: str) -> None:
    expect(page.locator("main .ds-alert[role=status]", has_text=message)).to_be_visible()


def fact(page: Page, term: str) -> Locator:
    """The <dd> after the <dt> with that text in the page's first fact list."""
    return page.locator("main dl.app-facts").first.locator(f"dt:text-is('{term}') + dd")


def plan_version(page: Page) -> int:
    text = page.locator("main h1 + p").inner_text()
    found = re.search(r"\d+", text)
    assert found, text
    return int(found.group())


def born_for_a_youth() -> datetime.date:
    """A birth date about a month past the 16th birthday: 16 today, and for months to come."""
    today = timezone.localdate()
    return datetime.date(today.year - 16, today.month, min(today.day, 28)) - datetime.timedelta(
        days=30
    )


def test_a_child_is_followed_by_several_services_from_concern_to_closed_case(
    page: Page, demo_server: str
) -> None:
    """The teacher records a concern about a child nobody has registered, builds a team with
    the family's consent, plans with the child's own words, meets, refers to PPT; the nurse
    keeps a note for her service only and evaluates; the service leader approves closing; a
    professional outside the team sees nothing.

    The consent: a child registered through "Record a concern" has no guardian in the register,
    and the pages offer no way to add one, so "Given by" offers only the child. A child under 16
    must be represented by a guardian, so the new child is a youth of 16, who consents to
    health information themselves (the school health service) but not to school information
    (that needs a guardian until 18). The test shows that refusal at the field, then records
    the youth's consent to share school health information among the school, the school health
    service and PPT — which is what lets the nurse into the team and the referral go to PPT.
    """
    token = "".join(random.choices(string.ascii_lowercase, k=8))
    given, family = "Synne", f"Prøve{token}"
    child = f"{given} {family}"
    born = born_for_a_youth()
    identity_number = synthetic_norwegian_id(born, random.Random(token))
    today = timezone.localdate()  # the servers' day (Europe/Oslo)

    # --- a. The teacher finds nobody, records a concern and registers the child -------------
    sign_in(page, demo_server, "laerer")
    follow(page, page.locator("nav.app-nav a[href='/people/']"))
    search_people(page, child)
    results = page.locator("#results")
    expect(results).to_contain_text(nb("No one found that you may see."))
    expect(results.locator("table")).to_have_count(0)

    follow(page, page.locator("nav.app-nav a[href='/work/concern/']"))
    concern = page.locator("form[action='/work/concern/']")
    concern.get_by_label(nb("Given name"), exact=True).fill(given)
    concern.get_by_label(nb("Family name"), exact=True).fill(family)
    concern.get_by_label(nb("Date of birth"), exact=True).fill(born.isoformat())
    concern.get_by_label(nb("National identity number (optional)"), exact=True).fill(
        identity_number
    )
    concern.get_by_label(nb("What did you observe?"), exact=True).fill(CONCERN)
    concern.get_by_label(nb("What did the child say, in their own words?"), exact=True).fill(
        CHILDS_WORDS
    )
    expect(concern.get_by_label(nb("Date"), exact=True)).to_have_value(today.isoformat())
    response = submit(concern, nb("Register the concern"))
    assert response.status == 200

    found = re.fullmatch(rf"{re.escape(demo_server)}(/work/cases/\d+/)", page.url)
    assert found, page.url
    case_path = found.group(1)
    case_url = f"{demo_server}{case_path}"
    success(page, nb("The concern is registered."))
    expect(page.locator("main h1")).to_have_text(child)
    expect(fact(page, nb("Level of effort"))).to_contain_text(nb(Level.CLARIFY.label))
    expect(fact(page, nb("Status"))).to_have_text(nb(Case.Status.OPEN.label))
    expect(fact(page, nb("Coordinator"))).to_contain_text(FULL_NAMES["laerer"])
    log = page.locator("#log")
    expect(log).to_contain_text(CONCERN)
    expect(log).to_contain_text(CHILDS_WORDS)

    # --- c (first half). Without the family's consent, the nurse cannot join the team ------
    def add_nurse_to_team() -> Response:
        team = page.locator(f"form[action='{case_path}team/']")
        open_details(team)
        team.get_by_label(nb("Service"), exact=True).select_option(label=SCHOOL_HEALTH)
        team.get_by_label(nb("Named professional (username, optional)"), exact=True).fill(
            "helsesykepleier"
        )
        team.get_by_label(nb("Role in the team (optional)"), exact=True).fill("helsesykepleier")
        return submit(team, nb("Add to the team"))

    response = add_nurse_to_team()
    assert response.status == 400
    organisation = page.locator("#id_team-organisation")
    expect(organisation).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#id_team-organisation_error")).to_have_text(
        nb(
            "No valid consent or legal basis lets this service in. "
            "Record the family's consent first."
        )
    )
    expect(page.locator("#team table")).not_to_contain_text(NURSE)

    # --- b. The family's consent ------------------------------------------------------------
    consent = page.locator(f"form[action='{case_path}consents/']")
    open_details(consent)
    given_by = consent.get_by_label(nb("Given by"), exact=True)
    # Only the child: no guardian is registered for a child registered with a concern.
    expect(given_by.locator("option")).to_have_count(1)
    given_by.select_option(label=f"{child} ({nb('the child')})")
    consent.get_by_label(nb("Form"), exact=True).select_option(label=nb("Written"))
    consent.get_by_label(nb("Purpose"), exact=True).fill("Samarbeid om søvn, helse og skole")
    sectors = consent.locator("#id_consent-sectors")
    for sector in (Sector.SCHOOL, Sector.SCHOOL_HEALTH):
        sectors.get_by_label(nb(sector.label), exact=True).check()
    services = consent.locator("#id_consent-services")
    for service in (SCHOOL, SCHOOL_HEALTH, PPT):
        services.get_by_label(service, exact=True).check()
    response = submit(consent, nb("Record the consent"))
    # A youth of 16 consents to health information, not to the school's.
    assert response.status == 400
    expect(page.locator("#id_consent-given_by_error")).to_have_text(
        nb("From 16 a youth consents to health matters; guardians to the rest until 18.")
    )
    expect(page.locator("#consents")).to_contain_text(nb("No consent is recorded."))

    consent = page.locator(f"form[action='{case_path}consents/']")
    sectors = consent.locator("#id_consent-sectors")
    sectors.get_by_label(nb(Sector.SCHOOL.label), exact=True).uncheck()
    expect(sectors.get_by_label(nb(Sector.SCHOOL_HEALTH.label), exact=True)).to_be_checked()
    for service in (SCHOOL, SCHOOL_HEALTH, PPT):
        expect(
            consent.locator("#id_consent-services").get_by_label(service, exact=True)
        ).to_be_checked()
    response = submit(consent, nb("Record the consent"))
    assert response.status == 200
    assert page.url == f"{case_url}#consents"
    success(page, nb("The consent is recorded."))
    recorded = page.locator("#consents li.ds-card")
    expect(recorded).to_have_count(1)
    expect(recorded).to_contain_text("Samarbeid om søvn, helse og skole")
    expect(recorded).to_contain_text(child)
    for service in (SCHOOL, SCHOOL_HEALTH, PPT):
        expect(recorded).to_contain_text(service)

    # --- c (second half). With the consent, the nurse joins -------------------------------
    response = add_nurse_to_team()
    assert response.status == 200
    success(page, nb("The team is updated."))
    nurse_row = page.locator("#team tbody tr", has_text=NURSE)
    expect(nurse_row).to_have_count(1)
    expect(nurse_row).to_contain_text(SCHOOL_HEALTH)

    # --- d. Level 2, then the plan: a goal in the child's words and a measure --------------
    level = page.locator(f"form[action='{case_path}level/']")
    open_details(level)
    level.get_by_label(nb("New level"), exact=True).select_option(str(Level.TWO_SERVICES.value))
    level.get_by_label(nb("Why the level changes"), exact=True).fill(
        "Skolen og skolehelsetjenesten samarbeider."
    )
    response = submit(level, nb("Change the level"))
    assert response.status == 200
    success(page, nb("The level is changed."))
    expect(fact(page, nb("Level of effort"))).to_contain_text(nb(Level.TWO_SERVICES.label))
    check_axe(page, "(story: case at level 2, teacher)")

    follow(page, page.locator("main nav a[href$='/plan/']"))
    assert page.url == f"{case_url}plan/"
    first_version = plan_version(page)

    goal = page.locator(f"form[action='{case_path}plan/goals/']")
    open_details(goal)
    goal.get_by_label(nb("Goal"), exact=True).fill(GOAL)
    goal.get_by_label(nb("In the child's own words"), exact=True).fill(GOAL_WORDS)
    response = submit(goal, nb("Add the goal"))
    assert response.status == 200
    success(page, nb("The goal is added to the plan."))
    goals = page.locator("#goals")
    expect(goals).to_contain_text(GOAL)
    expect(goals.locator("blockquote")).to_contain_text(GOAL_WORDS)
    assert plan_version(page) == first_version + 1

    measure = page.locator(f"form[action='{case_path}plan/measures/']")
    open_details(measure)
    measure.get_by_label(nb("Measure"), exact=True).fill(MEASURE)
    measure.get_by_label(nb("Responsible service"), exact=True).select_option(label=SCHOOL)
    measure.get_by_label(nb("Responsible person (optional)"), exact=True).select_option(
        label=f"{FULL_NAMES['laerer']} ({SCHOOL})"
    )
    measure.get_by_label(nb("Goal it serves (optional)"), exact=True).select_option(label=GOAL)
    measure.get_by_label(nb("Starts"), exact=True).fill(today.isoformat())
    measure.get_by_label(nb("Ends (optional)"), exact=True).fill(
        (today + datetime.timedelta(days=60)).isoformat()
    )
    measure.get_by_label(nb("How often (optional)"), exact=True).fill("Hver uke")
    response = submit(measure, nb("Add the measure"))
    assert response.status == 200
    success(page, nb("The measure is added to the plan."))
    measure_row = page.locator("#measures tbody tr", has_text=MEASURE)
    expect(measure_row).to_have_count(1)
    expect(measure_row).to_contain_text(SCHOOL)
    expect(measure_row).to_contain_text(nb("For the goal: %(goal)s", goal=GOAL))
    assert plan_version(page) == first_version + 2
    check_axe(page, "(story: plan with a goal and a measure, teacher)")

    # --- e. A meeting with the nurse; the minutes' agreed action becomes a measure --------
    follow(page, page.locator("main a", has_text=nb("Back to the case")))
    meeting = page.locator(f"form[action='{case_path}meetings/']")
    open_details(meeting)
    starts = datetime.datetime.combine(today + datetime.timedelta(days=1), datetime.time(10))
    meeting.get_by_label(nb("Time"), exact=True).fill(starts.strftime("%Y-%m-%dT%H:%M"))
    meeting.get_by_label(nb("Place"), exact=True).fill("Møterom 1")
    meeting.get_by_label(nb("Agenda"), exact=True).fill("Søvn, skoledagen og veien videre")
    meeting.locator("#id_meeting-participants").get_by_label(
        f"{NURSE} ({SCHOOL_HEALTH})", exact=True
    ).check()
    response = submit(meeting, nb("Schedule the meeting"))
    assert response.status == 200
    success(page, nb("The meeting is scheduled."))
    assert re.fullmatch(rf"{re.escape(demo_server)}/work/meetings/\d+/", page.url)
    meeting_url = page.url
    expect(page.locator("section:has(#participants-heading)")).to_contain_text(NURSE)

    minutes = page.locator("form[action$='/minutes/']")
    minutes.get_by_label(nb("Minutes"), exact=True).fill(
        "Eleven fortalte selv om søvnen. Enighet om samtaler hos helsesykepleier."
    )
    action = minutes.get_by_role("group", name=nb("Agreed action %(number)s", number=1), exact=True)
    action.get_by_label(nb("Agreed action"), exact=True).fill(AGREED_ACTION)
    action.get_by_label(nb("Service"), exact=True).select_option(label=SCHOOL_HEALTH)
    action.get_by_label(nb("Who (optional)"), exact=True).select_option(
        label=f"{NURSE} ({SCHOOL_HEALTH})"
    )
    action.get_by_label(nb("Deadline"), exact=True).fill(
        (today + datetime.timedelta(days=45)).isoformat()
    )
    action.get_by_label(nb("Make it a measure in the plan"), exact=True).check()
    response = submit(minutes, nb("Save the minutes"))
    assert response.status == 200
    assert page.url == meeting_url
    success(page, nb("The minutes are saved."))
    expect(page.locator("section:has(#minutes-heading)")).to_contain_text(
        "Eleven fortalte selv om søvnen."
    )

    follow(page, page.locator("main a[href$='#meetings']"))
    follow(page, page.locator("main nav a[href$='/plan/']"))
    agreed_row = page.locator("#measures tbody tr", has_text=AGREED_ACTION)
    expect(agreed_row).to_have_count(1)
    expect(agreed_row).to_contain_text(SCHOOL_HEALTH)
    expect(agreed_row).to_contain_text(NURSE)
    assert plan_version(page) == first_version + 3

    # --- f. A referral to PPT under the consent; PPT accepts it --------------------------
    follow(page, page.locator("main a", has_text=nb("Back to the case")))
    referral = page.locator(f"form[action='{case_path}referrals/']")
    open_details(referral)
    referral.get_by_label(nb("To service"), exact=True).select_option(label=PPT)
    referral.get_by_label(nb("What you ask the service for"), exact=True).fill(REFERRAL_REASON)
    referral.get_by_label(nb("Consent that allows the referral"), exact=True).select_option(
        label=nb(
            "Consent from %(name)s: %(purpose)s",
            name=child,
            purpose="Samarbeid om søvn, helse og skole",
        )
    )
    response = submit(referral, nb("Send the referral"))
    assert response.status == 200
    success(page, nb("The referral is sent."))
    assert re.fullmatch(rf"{re.escape(demo_server)}/work/referrals/\d+/", page.url)
    expect(fact(page, nb("Status"))).to_have_text(nb(Referral.Status.SENT.label))
    expect(fact(page, nb("Allowed by"))).to_have_text(nb("The family's consent"))
    sign_out(page)

    sign_in(page, demo_server, "ppt")
    follow(page, page.locator("nav.app-nav a[href='/work/']"))
    incoming = page.locator("section:has(#incoming-heading)")
    follow(page, incoming.locator("tbody a", has_text=child))
    expect(page.locator("main h1")).to_contain_text(child)
    expect(page.locator("main")).to_contain_text(REFERRAL_REASON)
    with page.expect_navigation():
        page.get_by_role("button", name=nb("Accept and join the team"), exact=True).click()
    assert page.url == case_url
    success(page, nb("The referral is accepted. Your service is in the team."))
    expect(page.locator("#team tbody tr", has_text=FULL_NAMES["ppt"])).to_contain_text(PPT)
    expect(page.locator("#referrals tbody tr", has_text=PPT)).to_contain_text(
        nb(Referral.Status.ACCEPTED.label)
    )
    sign_out(page)

    # --- g. The nurse: a note for her service only, and an evaluation of the measure ------
    sign_in(page, demo_server, "helsesykepleier")
    follow(page, page.locator("nav.app-nav a[href='/work/']"))
    follow(page, page.locator("section:has(#cases-heading) tbody a", has_text=child))
    assert page.url == case_url
    # The relay log's form is sent by htmx: only the log's section comes back, in place.
    entry = page.locator(f"form[action='{case_path}log/']")
    open_details(entry)
    entry.get_by_label(nb("Kind"), exact=True).select_option(label=nb(LogEntry.Kind.NOTE.label))
    entry.get_by_label(nb("Only my service"), exact=True).check()
    assert submit_in_place(entry, nb("Add to the relay log")) == 422  # no text yet
    refused = page.locator("#log .ds-alert[role=alert]")
    expect(refused).to_have_text(
        nb("The entry was not added. Correct what the messages by the fields say.")
    )
    expect(refused).to_be_focused()  # read out, and the keyboard carries on from there
    entry = page.locator(f"form[action='{case_path}log/']")
    expect(entry.locator(".ds-validation-message")).to_have_count(1)
    expect(entry.get_by_label(nb("Only my service"), exact=True)).to_be_checked()  # kept
    check_axe(page, "(story: the relay log's form refused in place, nurse)")
    entry.get_by_label(nb("Text"), exact=True).fill(NURSE_NOTE)
    assert submit_in_place(entry, nb("Add to the relay log")) == 200
    assert page.url == case_url
    added = page.locator("#log .ds-alert[role=status]")
    expect(added).to_have_text(nb("The entry is added to the relay log."))
    expect(added).to_be_focused()
    note = page.locator("#log article", has_text=NURSE_NOTE)
    expect(note).to_have_count(1)
    expect(note).to_contain_text(nb("Only my service"))
    expect(page.locator("#log article").first).to_contain_text(NURSE_NOTE)  # newest first
    expect(page.locator(f"form[action='{case_path}log/'] textarea").first).to_have_value("")
    check_axe(page, "(story: an entry added to the relay log in place, nurse)")
    page.reload()  # and it is there for good
    expect(page.locator("#log article", has_text=NURSE_NOTE)).to_have_count(1)

    follow(page, page.locator("main nav a[href$='/plan/']"))
    evaluation = page.locator(f"form[action='{case_path}plan/evaluations/']")
    open_details(evaluation)
    evaluation.get_by_label(nb("What is evaluated"), exact=True).select_option(
        label=nb("Measure: %(title)s", title=MEASURE)
    )
    evaluation.get_by_label(nb("Outcome"), exact=True).select_option(
        label=nb(Evaluation.Outcome.TOO_EARLY.label)
    )
    evaluation.get_by_label(nb("Evaluation"), exact=True).fill(EVALUATION)
    response = submit(evaluation, nb("Add the evaluation"))
    assert response.status == 200
    success(page, nb("The evaluation is added to the plan."))
    evaluated = page.locator("#evaluations li", has_text=EVALUATION)
    expect(evaluated).to_contain_text(nb("Measure: %(title)s", title=MEASURE))
    expect(evaluated).to_contain_text(nb(Evaluation.Outcome.TOO_EARLY.label))
    check_axe(page, "(story: plan with an evaluation, nurse)")
    sign_out(page)

    # --- h. The teacher does not see the nurse's note; asks to close; the leader approves --
    sign_in(page, demo_server, "laerer")
    follow(page, page.locator("nav.app-nav a[href='/work/']"))
    follow(page, page.locator("section:has(#cases-heading) tbody a", has_text=child))
    assert page.url == case_url
    expect(page.locator("#log")).to_contain_text(CONCERN)
    assert NURSE_NOTE not in page.content()
    expect(page.locator("#log article", has_text=nb("Only my service"))).to_have_count(0)

    # The evaluation is school health information: the consent lets it reach the school.
    follow(page, page.locator("main nav a[href$='/plan/']"))
    expect(page.locator("#evaluations")).to_contain_text(EVALUATION)
    follow(page, page.locator("main a", has_text=nb("Back to the case")))

    closing = page.locator(f"form[action='{case_path}close/']")
    open_details(closing)
    closing.get_by_label(nb("Reason"), exact=True).fill(CLOSING_REASON)
    response = submit(closing, nb("Close the case"))
    assert response.status == 200
    success(page, nb("The case awaits a service leader's approval."))
    expect(fact(page, nb("Status"))).to_have_text(nb(Case.Status.CLOSING.label))
    expect(page.locator("#actions")).to_contain_text(CLOSING_REASON)
    check_axe(page, "(story: case awaiting approval to close, teacher)")
    sign_out(page)

    sign_in(page, demo_server, "leder")
    follow(page, page.locator("nav.app-nav a[href='/work/review/']"))
    waiting = page.locator("section:has(#closings-heading) tbody tr", has_text=child)
    expect(waiting).to_have_count(1)
    expect(waiting).to_contain_text(CLOSING_REASON)
    with page.expect_navigation():
        waiting.get_by_role("button", name=nb("Approve closing"), exact=True).click()
    assert page.url == f"{demo_server}/work/review/"
    success(page, nb("The case is closed."))
    expect(page.locator("section:has(#closings-heading) tbody tr", has_text=child)).to_have_count(0)
    page.goto(case_url)
    expect(fact(page, nb("Status"))).to_have_text(nb(Case.Status.CLOSED.label))
    sign_out(page)

    # --- i. Professionals outside the team: not found, and nothing of the case shown ------
    case_texts = [CONCERN, CHILDS_WORDS, GOAL, GOAL_WORDS, MEASURE, NURSE_NOTE, CLOSING_REASON]
    for outsider, same_municipality in (("barnehage", True), ("laerer_porsgrunn", False)):
        sign_in(page, demo_server, outsider)
        for url in (case_url, f"{case_url}plan/", meeting_url):
            refused = page.goto(url)
            assert refused is not None and refused.status == 404, (outsider, url)
            body = page.locator("body").inner_text()
            for text in [child, family, *case_texts]:
                assert text not in body, f"{text!r} shown to {outsider} at {url}"

        page.goto(f"{demo_server}/people/")
        search_people(page, child)
        results = page.locator("#results")
        expect(results.locator("a")).to_have_count(0)
        if same_municipality:
            # Found by name in the municipality, as anyone is, but with no way into the case.
            expect(results.locator("tbody tr")).to_have_count(1)
            expect(results.locator("tbody tr")).to_contain_text(child)
        else:
            expect(results).to_contain_text(nb("No one found that you may see."))
        for text in case_texts:
            expect(results).not_to_contain_text(text)
        sign_out(page)
