"""The people the load benchmark plays (bench/load.py starts locust with this file).

Each virtual user is a professional of the national dataset who signs in with the real sign-in
form and then, with a pause between clicks, does what a caseworker does most: opens "My work",
one of their cases, its plan, adds an entry to the relay log, searches for a person; now and
then looks at their municipality's challenge picture and searches the experience bank. The
users (who, which case, which name to search for) come from the JSON file that bench/load.py
writes to `LOAD_USERS`. `LOAD_THINK` is the pause between requests in seconds, "1-3" or "0".
"""

from __future__ import annotations

import itertools
import json
import os
import re
import threading
import urllib.parse
from typing import Any

from locust import FastHttpUser, between, constant, task

USERS: list[dict[str, Any]] = json.loads(open(os.environ["LOAD_USERS"]).read())  # noqa: SIM115
PASSWORD = os.environ["LOAD_PASSWORD"]
_low, _sep, _high = os.environ.get("LOAD_THINK", "1-3").partition("-")
_next_user = itertools.count()
_lock = threading.Lock()
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class Professional(FastHttpUser):
    wait_time = between(float(_low), float(_high)) if _sep else constant(float(_low))

    def on_start(self) -> None:
        with _lock:
            self.me = USERS[next(_next_user) % len(USERS)]
        page = self.client.get("/accounts/login/", name="sign in (form)")
        token = TOKEN.search(page.text or "")
        assert token, "no CSRF token on the sign-in page"
        signed_in = self.client.post(
            "/accounts/login/",
            data={"csrfmiddlewaretoken": token.group(1), "username": self.me["username"],
                  "password": PASSWORD},
            name="sign in",
        )  # fmt: skip
        case = self.client.get(f"/work/cases/{self.me['case']}/", name="case page")
        found = TOKEN.search(case.text or "")
        assert signed_in.status_code == 200 and found, "sign-in failed"
        self.token = found.group(1)
        self.entries = 0

    @task(4)
    def my_work(self) -> None:
        self.client.get("/work/", name="my work")

    @task(4)
    def case_page(self) -> None:
        self.client.get(f"/work/cases/{self.me['case']}/", name="case page")

    @task(2)
    def plan(self) -> None:
        self.client.get(f"/work/cases/{self.me['case']}/plan/", name="plan")

    @task(1)
    def add_log_entry(self) -> None:
        self.entries += 1
        data = {
            "csrfmiddlewaretoken": self.token,
            "log-kind": "observation",
            "log-occurred_on": self.me["today"],
            "log-text": f"Observasjon {self.entries} fra belastningstesten.",
            "log-visibility": "team",
        }
        with self.client.post(f"/work/cases/{self.me['case']}/log/", data=data,
                              name="add log entry", catch_response=True) as response:  # fmt: skip
            # A new entry redirects back to the case, which the client follows: the time
            # includes the page it lands on, as a person sees it. A refused form is a 400.
            if response.status_code != 200:
                response.failure(f"status {response.status_code}")

    @task(2)
    def person_search(self) -> None:
        data = {"csrfmiddlewaretoken": self.token, "query": self.me["search"]}
        self.client.post("/people/", data=data, name="person search")

    @task(1)
    def municipal_profile(self) -> None:
        self.client.get(f"/knowledge/regions/{self.me['municipality']}/", name="municipal profile")

    @task(1)
    def experience_bank(self) -> None:
        query = urllib.parse.quote(self.me["practice_query"])
        self.client.get(f"/catalogue/practices/?q={query}", name="experience bank search")
