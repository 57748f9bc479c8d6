"""The family's own pages in the browser: a youth of 16 and a guardian of a child of 14 follow
their case, add their own words, withdraw a consent and see the team lose access, read who has
read their data and take a copy of it; the guardian of the 16-year-old sees nothing.

The people and texts come from the demo (samhandling.demo.cases: youth_consents_to_health and
laerer_level_3). Each story changes its own case only, so the stories do not depend on their
order; a rerun needs a fresh database (the e2e fixture builds one per session). The pages run
under the app's real Content-Security-Policy, which must refuse nothing.
"""

import contextlib
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.utils import timezone, translation
from django.utils.formats import date_format
from playwright.sync_api import Browser, Locator, Page, Response, Route, expect
from tests.e2e.support import (
    check_axe_and_phone_width,
    demo_citizen_card,
    nb,
    sign_in,
    sign_in_as_citizen,
    tab_to,
    watch_for_problems,
)

from samhandling.coordination.models import Voice
from samhandling.demo.management.commands.seed_demo import PROFESSIONALS, SERVICES
from samhandling.organisations.models import Sector

pytestmark = pytest.mark.e2e

SERVICE_NAMES = dict(SERVICES)
FULL_NAMES = {username: f"{first} {last}" for username, first, last, *_rest in PROFESSIONALS}
PSYCHOLOGIST = FULL_NAMES["psykiskhelse"]
MENTAL_HEALTH = SERVICE_NAMES[Sector.MENTAL_HEALTH]
SCHOOL_HEALTH = SERVICE_NAMES[Sector.SCHOOL_HEALTH]
SCHOOL = SERVICE_NAMES[Sector.SCHOOL]

# The youth's case (youth_consents_to_health).
YOUTH_GOAL = "Sove bedre og bli tryggere"
YOUTH_MEASURE = "Samtaler med helsesykepleier"
YOUTH_UPCOMING_AGENDA = "Hvordan går det med søvnen? Psykologen forteller om vurderingen"
# The school nurse's conversation, shared with the youth and, under the youth's consent, with
# child and adolescent mental health; the concern that opened the case is shared the same way.
HEALTH_CONVERSATION = "Samtale om angst og søvn. Det er verst om kvelden"
HEALTH_CONCERN = "Forteller om angst og søvnvansker; har sluttet på håndball."
YOUTH_CONSENT_PURPOSE = "Henvisning til psykisk helse"
YOUTH_WORDS = "Jeg vil klare å sovne før klokka tolv og orke trening på tirsdager."
MEETING_WORDS = "Det var fint at psykologen var med."

# The 14-year-old's case (laerer_level_3).
CHILD_GOAL = "Bedre søvn"
CHILD_MEASURE = "Fast samtale med kontaktlærer hver mandag"
# The nurse's health conversation with the 14-year-old: shared with the child, never with the
# guardians; and a note for the school health service only.
CONFIDENTIAL_FROM_GUARDIANS = "Helsesamtale om søvn, stress og hvordan det er hjemme."
CONFIDENTIAL_CHILDS_WORDS = "Jeg vil ikke at de hjemme skal bli lei seg."
SERVICE_ONLY_NOTE = "Notat om helseopplysninger som bare skolehelsetjenesten trenger."
GUARDIAN_CONSENT_PURPOSE = "Samarbeid om oppmøte, søvn og læring"
GUARDIANS_WORDS = "Det hjelper når skolen ringer oss samme dag som han er borte."

EXPORT_READY_TIMEOUT = 30_000  # ms: the worker polls every half second; htmx every 2 s


def press(button: Locator) -> Response:
    """Presses the button by keyboard (focus and Enter) and returns the page it leads to."""
    page = button.page
    button.focus()
    with page.expect_navigation() as navigation:
        button.press("Enter")
    response = navigation.value
    assert response is not None
    return response


def follow(link: Locator) -> None:
    page = link.page
    expect(link).to_be_visible()
    with page.expect_navigation():
        link.click()


def menu(page: Page, path: str) -> None:
    """Follows the main menu's link (My page, Consents, My data)."""
    follow(page.locator(f"nav.app-nav a[href='{path}']"))


def success(page: Page, message: str) -> None:
    expect(page.locator("main .ds-alert[role=status]", has_text=message)).to_be_visible()


@contextlib.contextmanager
def holding_requests(page: Page, url: str) -> Iterator[None]:
    """Requests to the address wait (unanswered) until the block ends, then go on."""
    held: list[Route] = []

    def hold(route: Route) -> None:
        held.append(route)

    page.route(url, hold)
    try:
        yield
    finally:
        page.unroute(url, hold)
        for route in held:
            route.continue_()


def today_in_words() -> str:
    """Today as the pages write a date in bokmål ("26. november 2026")."""
    with translation.override("nb"):
        return date_format(timezone.localdate(), "DATE_FORMAT")


def row_with(table: Locator, *cells: str) -> Locator:
    """The rows of the table that have a cell with each of these texts."""
    rows = table.locator("tbody tr")
    for text in cells:
        quoted = json.dumps(text, ensure_ascii=False)
        rows = rows.filter(has=table.page.locator(f"td:text-is({quoted})"))
    return rows


def open_my_case(page: Page) -> str:
    """From My page to the (only) case; returns the case's address."""
    cases = page.locator("section:has(#cases-heading) h3 a")
    expect(cases).to_have_count(1)
    follow(cases)
    assert re.fullmatch(r".*/portal/cases/\d+/", page.url), page.url
    return page.url


def withdraw_by_keyboard(page: Page, purpose: str, reason: str) -> None:
    """On the consents page: Tab to the consent's Withdraw link, read what happens, give a
    reason and withdraw, without a mouse."""
    card = page.locator("main li.ds-card", has_text=purpose)
    expect(card).to_have_count(1)
    expect(card.locator(".ds-tag")).to_have_text(nb("Status: valid"))
    link = card.locator("a[href$='/withdraw/']")
    # The link's name says which consent it withdraws (the purpose, for screen readers).
    expect(link).to_have_accessible_name(re.compile(re.escape(purpose)))
    tab_to(page, link)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert re.fullmatch(r".*/portal/consents/\d+/withdraw/", page.url), page.url
    expect(page.locator("main h1")).to_have_text(nb("Withdraw a consent"))
    expect(page.locator("main .ds-card")).to_contain_text(purpose)
    expect(page.locator("main")).to_contain_text(nb("It takes effect at once."))
    tab_to(page, page.get_by_label(nb("Why do you withdraw it? (optional)"), exact=True))
    page.keyboard.type(reason)
    tab_to(page, page.locator("main form").get_by_role("button", name=nb("Withdraw the consent")))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("/portal/consents/"), page.url
    success(page, nb("The consent is withdrawn. It applies no more, and the team is told."))
    card = page.locator("main li.ds-card", has_text=purpose)
    expect(card.locator(".ds-tag")).to_have_text(
        nb("Status: withdrawn on %(date)s", date=today_in_words())
    )
    expect(card.locator("a[href$='/withdraw/']")).to_have_count(0)


def test_a_youth_follows_their_case_speaks_withdraws_consent_and_takes_a_copy(
    strict_page: Page, browser: Browser, demo_server: str, tmp_path: Path
) -> None:
    """The youth of 16 reads their plan, team, meetings and the nurse's health conversation,
    adds their own words by keyboard and rates a meeting, withdraws the health consent by
    keyboard — and the psychologist, who joined under it, no longer sees the nurse's entries —
    then sees the psychologist's visits in who has read their data, and downloads a copy.
    The case page and the copy's pages (being made, ready, printable) are checked with axe on
    the way."""
    page = strict_page
    problems = watch_for_problems(page)
    page.goto(f"{demo_server}/portal/demo-sign-in/")
    others = [
        demo_citizen_card(page, username).locator("strong").inner_text().strip()
        for username in ("forelder", "ung_voksen")
    ]
    youth = sign_in_as_citizen(page, demo_server, "ungdom")

    # --- My page and the case -----------------------------------------------------------------
    expect(page.locator("main h1")).to_have_text(nb("My page"))
    case_url = open_my_case(page)
    case_id = re.findall(r"\d+", case_url)[-1]
    expect(page.locator("main h1")).to_have_text(nb("Your own case"))

    coordinator = page.locator("#team .ds-card")
    expect(coordinator).to_contain_text(FULL_NAMES["helsesykepleier"])
    expect(coordinator).to_contain_text(SCHOOL_HEALTH)
    expect(coordinator.locator("a[href^='mailto:']")).to_be_visible()
    expect(row_with(page.locator("#team table"), MENTAL_HEALTH, PSYCHOLOGIST)).to_have_count(1)

    plan = page.locator("#plan")
    expect(plan).to_contain_text(YOUTH_GOAL)
    expect(plan.locator("blockquote").first).to_be_visible()  # the goal in the youth's words
    expect(row_with(plan.locator("table"), YOUTH_MEASURE)).to_have_count(1)
    expect(page.locator("#meetings")).to_contain_text(YOUTH_UPCOMING_AGENDA)
    expect(page.locator("#log")).to_contain_text(HEALTH_CONVERSATION)
    check_axe_and_phone_width(page, "(case, youth)")

    # The psychologist in the team reads the nurse's entries under the youth's consent.
    professional_context = browser.new_context(locale="en-GB")
    professional_context.set_default_timeout(10_000)
    try:
        professional = professional_context.new_page()
        sign_in(professional, demo_server, "psykiskhelse")
        professional.goto(f"{demo_server}/work/cases/{case_id}/")
        expect(professional.locator("main h1")).to_have_text(youth)
        expect(professional.locator("#log")).to_contain_text(HEALTH_CONVERSATION)
        expect(professional.locator("#log")).to_contain_text(HEALTH_CONCERN)

        # --- Own words, by keyboard only ----------------------------------------------------
        own_words = page.locator("#own-words form")
        tab_to(page, page.locator("main nav a[href='#own-words']"))
        page.keyboard.press("Enter")  # the in-page link moves the keyboard to the section
        kinds = own_words.locator("input[name=kind]")
        tab_to(page, kinds.first, limit=5)
        page.keyboard.press("ArrowDown")  # the second kind: a goal, in my own words
        expect(own_words.get_by_label(nb("A goal, in my own words"), exact=True)).to_be_checked()
        goal = own_words.get_by_label(nb("Which goal is it about? (optional)"), exact=True)
        tab_to(page, goal, limit=5)
        page.keyboard.press("ArrowDown")  # from "No goal" to the plan's goal
        expect(goal.locator("option:checked")).to_have_text(YOUTH_GOAL)
        text = own_words.get_by_label(nb("Write in your own words"), exact=True)
        tab_to(page, text, limit=5)
        page.keyboard.type(YOUTH_WORDS)
        tab_to(page, own_words.get_by_role("button", name=nb("Send to the team")), limit=5)
        with page.expect_navigation() as navigation:
            page.keyboard.press("Enter")
        assert navigation.value is not None and navigation.value.status == 200
        assert page.url == f"{case_url}#own-words"
        success(page, nb("Thank you. The team can now read your words."))
        mine = page.locator("#own-words li.ds-card", has_text=YOUTH_WORDS)
        expect(mine).to_have_count(1)
        expect(mine.locator(".ds-tag")).to_have_text(nb("Your own words"))
        expect(mine).to_contain_text(nb("About the goal: %(goal)s", goal=YOUTH_GOAL))

        # --- How was the meeting? -----------------------------------------------------------
        rating = page.locator("#meetings form")
        expect(rating).to_have_count(1)  # the one meeting held so far
        rating.get_by_label(nb("4"), exact=True).check()
        rating.get_by_label(nb("Anything you want to add? (optional)"), exact=True).fill(
            MEETING_WORDS
        )
        response = press(rating.get_by_role("button", name=nb("Send")))
        assert response.status == 200
        success(page, nb("Thank you. The team can see how the meeting was."))
        expect(page.locator("#meetings form")).to_have_count(0)
        expect(page.locator("#meetings")).to_contain_text(
            nb("You said the meeting was %(rating)s of 5.", rating=4)
        )
        rated = page.locator("#own-words li.ds-card", has_text=MEETING_WORDS)
        expect(rated).to_contain_text(nb(Voice.Kind.MEETING.label))

        # --- Consents: the health consent in plain words, withdrawn by keyboard -------------
        menu(page, "/portal/consents/")
        card = page.locator("main li.ds-card", has_text=YOUTH_CONSENT_PURPOSE)
        expect(card).to_contain_text(
            nb(
                "%(services)s may share information about %(sectors)s so that: %(purpose)s.",
                services=f"{MENTAL_HEALTH}, {SCHOOL_HEALTH}",
                sectors=f"{nb(Sector.MENTAL_HEALTH.label)}, {nb(Sector.SCHOOL_HEALTH.label)}",
                purpose=YOUTH_CONSENT_PURPOSE,
            )
        )
        expect(card).to_contain_text(
            nb("Given by you on %(date)s, %(form)s.", date=today_in_words(), form=nb("in writing"))
        )
        withdraw_by_keyboard(page, YOUTH_CONSENT_PURPOSE, "Jeg vil snakke med psykologen selv.")

        # The team lost access at once: the psychologist no longer sees the nurse's entries.
        professional.reload()
        log = professional.locator("#log")
        expect(log).to_be_visible()
        expect(log).not_to_contain_text(HEALTH_CONVERSATION)
        expect(log).not_to_contain_text(HEALTH_CONCERN)
    finally:
        professional_context.close()

    # --- Who has read my data ---------------------------------------------------------------
    menu(page, "/portal/")
    follow(page.locator("main a[href$='/access-log/']"))
    expect(page.locator("main h1")).to_have_text(nb("Who has read your information"))
    events = page.locator("main table")
    seen = row_with(events, PSYCHOLOGIST, MENTAL_HEALTH, nb("the case"), nb("viewed"))
    expect(seen.first).to_be_visible()
    before = row_with(events, PSYCHOLOGIST, nb("a log entry"), nb("viewed"), nb("your consent"))
    expect(before.first).to_be_visible()
    after = row_with(
        events, PSYCHOLOGIST, nb("a log entry"), nb("refused"), nb("no consent or law allowed it")
    )
    expect(after.first).to_be_visible()
    # The newest first: the refusals after the withdrawal are above the reads before it.
    rows = events.locator("tbody tr")
    texts = rows.all_inner_texts()
    first_refused = next(i for i, t in enumerate(texts) if nb("refused") in t and PSYCHOLOGIST in t)
    first_consent = next(i for i, t in enumerate(texts) if nb("your consent") in t)
    assert first_refused < first_consent, texts[:12]

    # --- My data: a copy to take away ----------------------------------------------------------
    menu(page, "/portal/my-data/")
    expect(page.locator("main h1")).to_have_text(nb("My data"))
    response = press(page.get_by_role("button", name=nb("Make a copy of my data")))
    assert response.status == 200
    assert re.fullmatch(r".*/portal/my-data/[0-9a-f-]{36}/", page.url), page.url
    expect(page.locator("main h1")).to_have_text(
        nb("A copy of the data about %(name)s", name=youth)
    )
    # Whatever the worker has come to (waiting, running or ready), the page is accessible;
    # htmx's polling is held meanwhile, so that the progress is not swapped under axe.
    with holding_requests(page, "**/progress/"):
        check_axe_and_phone_width(page, "(a copy of my data, being made)")
    download_link = page.locator("#export-progress a[download]")
    expect(download_link).to_be_visible(timeout=EXPORT_READY_TIMEOUT)
    expect(page.locator("#export-progress label")).to_have_text(nb("The copy is ready"))
    expect(page.locator("#export-progress progress")).to_have_attribute("value", "100")
    check_axe_and_phone_width(page, "(a copy of my data, ready)")

    with page.expect_download() as download_info:
        download_link.focus()
        page.keyboard.press("Enter")
    download = download_info.value
    assert download.suggested_filename == "samhandling-0-24-data.json"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    raw = saved.read_text(encoding="utf-8")
    data = json.loads(raw)
    assert data["format"] == "samhandling-0-24/data-export"
    assert f"{data['about']['given_name']} {data['about']['family_name']}" == youth
    [case] = data["cases"]
    words = {entry["text"]: entry for entry in case["own_words"]}
    assert words[YOUTH_WORDS]["written_by"] == youth
    assert not words[YOUTH_WORDS]["recorded_by_service"]
    assert words[MEETING_WORDS]["rating"] == 4
    [consent] = [c for c in case["consents"] if c["purpose"] == YOUTH_CONSENT_PURPOSE]
    assert consent["withdrawn_at"]
    for name in others:  # nothing about another family
        assert name not in raw, f"{name} is in {youth}'s copy"
    assert CONFIDENTIAL_FROM_GUARDIANS not in raw and GUARDIAN_CONSENT_PURPOSE not in raw

    follow(page.locator("#export-progress a", has_text=nb("Read and print")))
    assert re.fullmatch(r".*/portal/my-data/[0-9a-f-]{36}/print/", page.url), page.url
    expect(page.locator("main h1")).to_have_text(nb("The data stored about %(name)s", name=youth))
    expect(page.locator("main")).to_contain_text(YOUTH_WORDS)
    expect(page.locator("main")).to_contain_text(YOUTH_GOAL)
    for name in others:
        expect(page.locator("main")).not_to_contain_text(name)
    check_axe_and_phone_width(page, "(a copy of my data, printable)")
    assert not problems, problems


def test_a_guardian_sees_the_childs_plan_but_not_what_is_confidential_from_guardians(
    strict_page: Page, demo_server: str
) -> None:
    """The guardian of a 14-year-old reads the child's case and plan, not the health
    conversation the nurse keeps from the guardians; adds the family's words, withdraws the
    consent they gave, and reads who has read the child's information."""
    page = strict_page
    problems = watch_for_problems(page)
    sign_in_as_citizen(page, demo_server, "forelder")
    case_url = open_my_case(page)
    heading = page.locator("main h1")
    expect(heading).to_contain_text(nb("The case of %(name)s", name="").strip())
    child = heading.inner_text().replace(nb("The case of %(name)s", name="").strip(), "").strip()
    assert child

    main = page.locator("main")
    expect(page.locator("#team .ds-card")).to_contain_text(FULL_NAMES["laerer"])
    expect(page.locator("#plan")).to_contain_text(CHILD_GOAL)
    expect(row_with(page.locator("#plan table"), CHILD_MEASURE)).to_have_count(1)
    expect(page.locator("#log")).to_contain_text("Samtale om hvordan skoledagene er.")
    for secret in (CONFIDENTIAL_FROM_GUARDIANS, CONFIDENTIAL_CHILDS_WORDS, SERVICE_ONLY_NOTE):
        expect(main).not_to_contain_text(secret)

    # The family's words, with the mouse this time.
    own_words = page.locator("#own-words form")
    own_words.get_by_label(nb("Something that works"), exact=True).check()
    own_words.get_by_label(nb("Write in your own words"), exact=True).fill(GUARDIANS_WORDS)
    response = press(own_words.get_by_role("button", name=nb("Send to the team")))
    assert response.status == 200
    assert page.url == f"{case_url}#own-words"
    success(page, nb("Thank you. The team can now read your words."))
    mine = page.locator("#own-words li.ds-card", has_text=GUARDIANS_WORDS)
    expect(mine.locator(".ds-tag")).to_have_text(nb("Your own words"))
    expect(mine).to_contain_text(nb(Voice.Kind.WORKS.label))

    # The consent they gave for the child, withdrawn by keyboard.
    menu(page, "/portal/consents/")
    expect(page.locator("main h2", has_text=nb("The case of %(name)s", name=child))).to_be_visible()
    withdraw_by_keyboard(page, GUARDIAN_CONSENT_PURPOSE, "")

    # Who has read the child's information.
    menu(page, "/portal/")
    child_log = page.locator("main a[href$='/access-log/']", has_text=child)
    follow(child_log)
    expect(page.locator("main h1")).to_have_text(
        nb("Who has read the information about %(name)s", name=child)
    )
    events = page.locator("main table")
    expect(row_with(events, FULL_NAMES["laerer"], SCHOOL).first).to_be_visible()
    expect(row_with(events, FULL_NAMES["helsesykepleier"], SCHOOL_HEALTH).first).to_be_visible()
    assert not problems, problems


def test_the_guardian_of_a_youth_of_16_sees_no_case_and_cannot_open_it(
    strict_page: Page, browser: Browser, demo_server: str
) -> None:
    """From 16 the youth's health case is their own: the guardian sees no case, and the case,
    the youth's access log and consents do not exist for them (404)."""
    page = strict_page
    problems = watch_for_problems(page)
    youth_context = browser.new_context(locale="en-GB")
    try:
        youth = youth_context.new_page()
        sign_in_as_citizen(youth, demo_server, "ungdom")
        case_path = youth.locator("section:has(#cases-heading) h3 a").get_attribute("href")
        log_path = youth.locator("main a[href$='/access-log/']").get_attribute("href")
    finally:
        youth_context.close()
    assert case_path and log_path

    sign_in_as_citizen(page, demo_server, "forelder_ungdom")
    expect(page.locator("section:has(#cases-heading)")).to_contain_text(
        nb(
            "There is no case that you can see here. A case is made when a service starts "
            "working with a child or young person together with other services."
        )
    )
    expect(page.locator("section:has(#cases-heading) a")).to_have_count(0)
    for path in (case_path, log_path):
        response = page.goto(f"{demo_server}{path}")
        assert response is not None and response.status == 404, (path, response)
        expect(page.locator("body")).not_to_contain_text(HEALTH_CONVERSATION)
    page.goto(f"{demo_server}/portal/consents/")
    expect(page.locator("main")).not_to_contain_text(YOUTH_CONSENT_PURPOSE)
    assert not problems, problems
