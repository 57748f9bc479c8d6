"""The people the load benchmark plays (bench/load.py starts locust with this file).

Each virtual user is a professional of the national dataset who signs in with the real sign-in
form and then, with a pause between clicks, does what a caseworker does most: opens "My work",
one of their cases, its plan, adds an entry to the relay log, searches for a person; now and
then looks at their municipality's challenge picture and searches the experience bank (the
pages and how often each is asked for are in bench/pages.py, shared with bench/load.py; every
other log entry is sent as a browser without JavaScript sends it, the others as htmx does). The
users (who, which case, which name to search for) come from the JSON file that bench/load.py
writes to `LOAD_USERS`. `LOAD_THINK` is the pause between requests in seconds, "1-3" or "0".

The figures start when every user has signed in: the users start together, and signing in
costs 0.13 s of CPU each (argon2, on purpose), so 50 sign-ins would otherwise put a queue of
seconds in front of the first pages and in the run's p95. Until then each signed-in user waits.
Then each user pauses as between any two clicks (`LOAD_THINK`) before their first page, so
that 50 people do not click in the same millisecond: released together, their 50 first pages
queued for up to 1.3 s and were 3 % of a minute's requests, the whole of the run's p99 and a
good part of its p95 (bench/RESULTS.md).
"""

from __future__ import annotations

import itertools
import json
import os
import re
import threading
import urllib.parse
from collections.abc import Callable
from typing import Any

import gevent
from gevent.event import Event
from locust import FastHttpUser, between, constant

import pages

USERS: list[dict[str, Any]] = json.loads(open(os.environ["LOAD_USERS"]).read())  # noqa: SIM115
PASSWORD = os.environ["LOAD_PASSWORD"]
_low, _sep, _high = os.environ.get("LOAD_THINK", "1-3").partition("-")
_next_user = itertools.count()
_lock = threading.Lock()
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_signed_in = itertools.count(1)
_everyone_signed_in = Event()


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
        case = self.client.get(f"/work/cases/{self.me['case']}/", name="case page (signing in)")
        found = TOKEN.search(case.text or "")
        assert signed_in.status_code == 200 and found, "sign-in failed"
        self.token = found.group(1)
        self.entries = 0
        runner = self.environment.runner
        if runner is not None and next(_signed_in) >= runner.target_user_count:
            self.environment.stats.reset_all()  # the measurement starts here
            _everyone_signed_in.set()
        _everyone_signed_in.wait()
        gevent.sleep(self.wait_time())  # the first click after a pause, as every later one

    def ask(self, page: pages.Page) -> None:
        if page.method == "POST":
            data = {"csrfmiddlewaretoken": self.token, **page.data}
            self.client.post(page.path, data=data, name=page.name)
        else:
            query = f"?{urllib.parse.urlencode(page.data)}" if page.data else ""
            self.client.get(f"{page.path}{query}", name=page.name)

    def add_log_entry(self) -> None:
        # Every other entry as a browser without JavaScript sends it: the same number of writes
        # as one kind alone, and a figure for each.
        self.entries += 1
        page = pages.log_entry(self.me, self.entries, htmx=self.entries % 2 == 1)
        data = {"csrfmiddlewaretoken": self.token, **page.data}
        with self.client.post(page.path, data=data, name=page.name, headers=page.headers,
                              catch_response=True) as response:  # fmt: skip
            # With htmx the relay log's section comes back. Without, a new entry redirects
            # back to the case, which the client follows: the time includes the page it lands
            # on, as a person sees it. A refused form is a 422 (htmx) or a 400.
            if response.status_code != 200:
                response.failure(f"status {response.status_code}")
            elif not (response.text or "").lstrip().startswith("<section" if page.headers
                                                               else "<!DOCTYPE"):  # fmt: skip
                response.failure("not the answer this kind of request gets")


def _asking(index: int) -> Callable[[Professional], None]:
    """A task that asks for the user's page number `index` of pages.reads."""

    def ask(user: Professional) -> None:
        user.ask(pages.reads(user.me)[index])

    ask.__name__ = pages.reads(USERS[0])[index].name.replace(" ", "_")
    return ask


# After the class is made, so as the list locust's metaclass makes of a weighted dict: each
# task as many times as its weight.
Professional.tasks = [
    *[
        _asking(index)
        for index, page in enumerate(pages.reads(USERS[0]))
        for _ in range(page.weight)
    ],
    Professional.add_log_entry,
]
