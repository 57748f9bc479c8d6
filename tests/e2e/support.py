"""Helpers shared by the browser tests (imported as tests.e2e.support; the fixtures are in
conftest.py next to this file)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page

from samhandling.demo.management.commands.seed_demo import DEMO_PASSWORD, PROFESSIONALS

BASE_DIR = Path(__file__).resolve().parents[2]
AXE_PATH = BASE_DIR / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

# Every user seed_demo creates: one professional per service, then one user per other role.
PROFESSIONAL_USERNAMES = [username for username, *_rest in PROFESSIONALS]
DEMO_USERNAMES = [*PROFESSIONAL_USERNAMES, "leder", "analytiker", "redaktor", "admin"]

SIGN_OUT_BUTTON = "header form[action='/accounts/logout/'] button"


def check_axe(page: Page, context: str = "") -> None:
    """Runs axe-core (WCAG 2.0/2.1 A and AA rules) on the page; fails listing every violation.

    The page's browser context must be created with bypass_csp=True: the app's CSP allows no
    inline script, and add_script_tag injects axe as one.
    """
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_PATH))
    violations = page.evaluate(
        """async (tags) => {
            const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
            return r.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                nodes: v.nodes.map(n => ({target: n.target, html: n.html,
                                          summary: n.failureSummary})),
            }));
        }""",
        AXE_TAGS,
    )
    if violations:
        lines = [f"axe found {len(violations)} violation(s) on {page.url} {context}".rstrip()]
        for violation in violations:
            lines.append(
                f"- {violation['id']} ({violation['impact']}): {violation['help']}"
                f" <{violation['helpUrl']}>"
            )
            for node in violation["nodes"]:
                lines.append(f"    target {json.dumps(node['target'])}: {node['html']}")
                if node["summary"]:
                    lines.append("      " + node["summary"].replace("\n", "\n      "))
        pytest.fail("\n".join(lines), pytrace=False)


def login_form(page: Page) -> Locator:
    return page.locator("form:has(#id_username)")


def sign_in(page: Page, base_url: str, username: str, password: str = DEMO_PASSWORD) -> None:
    """Signs in through the form and waits for the page the server sends the user to."""
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    with page.expect_navigation():
        login_form(page).locator("button[type=submit]").click()
    assert "/accounts/login/" not in page.url, (
        f"signing in as {username} failed: " + page.locator("main").inner_text()
    )
