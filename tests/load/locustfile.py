"""Locust scenario: clinicians work their worklist, refer patients and search.

Run by tests/load/run.py (headless, against 127.0.0.1 only). Each acknowledged submit is
appended to FORLOB_LOAD_ACKS as a JSON line, so the database can be checked afterwards.
"""
import json
import os
import random
import threading
from urllib.parse import urlencode

import gevent.event
from locust import between, events, task
from locust.contrib.fasthttp import FastHttpUser

from tests.load import clinic

# flashes that say the task was closed by someone or something else ("X afsluttede opgaven",
# "Opgaven blev lukket uden at blive afsluttet"), not by this submit
# not a new completion: another user's, a closed task, or this user's own earlier one (two
# clickers may share a login, so one can submit a task the other has just completed)
SOMEONE_ELSE = ("afsluttede opgaven", "Opgaven blev lukket uden", "allerede afsluttet opgaven")

ACKS_PATH = os.environ.get("FORLOB_LOAD_ACKS", "")
THINK = (float(os.environ.get("FORLOB_LOAD_THINK_MIN", "2")),
         float(os.environ.get("FORLOB_LOAD_THINK_MAX", "8")))
_lock = threading.Lock()
_accounts = [name for name, weight in clinic.ACCOUNTS for _ in range(weight)]
_next = iter(range(10**9))
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


_logged_in = {"count": 0}
_all_logged_in = gevent.event.Event()


@events.test_start.add_listener
def _refuse_remote_hosts(environment, **kwargs):
    """The load test only ever targets this machine."""
    host = environment.host or ""
    if not host.startswith(("http://127.0.0.1", "http://localhost")):
        raise SystemExit(f"refusing to load {host}: only 127.0.0.1 is allowed")


def _log(entry):
    """Append one outcome line (acknowledged, refused or unknown) for the verifier."""
    if ACKS_PATH:
        with _lock, open(ACKS_PATH, "a") as handle:
            handle.write(json.dumps(entry) + "\n")


class Clinician(FastHttpUser):
    """A clinician: worklist → patient page → task page → submit, plus referrals and searches."""

    wait_time = between(*THINK)

    def on_start(self):
        """Log in with one of the demo accounts."""
        self.username = _accounts[next(_next) % len(_accounts)]
        self.pages = 1
        page = self.client.get("/login", name="/login")
        csrf = clinic.CSRF.search(page.text).group(1)
        self.client.post("/login", name="/login [post]", headers=FORM,
                         data=urlencode({"csrf_token": csrf, "username": self.username,
                                         "password": clinic.PASSWORD}))
        # Logins (a deliberately slow password hash) happen once a day, not per click: the
        # figures start when every user is logged in, and nobody clicks before that.
        _logged_in["count"] += 1
        if _logged_in["count"] >= self.environment.parsed_options.num_users:
            self.environment.stats.reset_all()
            _all_logged_in.set()
        _all_logged_in.wait()

    def _worklist(self):
        """A random page of the worklist; returns its task rows."""
        number = random.randint(1, self.pages)
        with self.client.get(f"/?page={number}", name="/ (worklist)",
                             catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"worklist {response.status_code}")
                return []
            html = response.text
        if 'rel="next"' in html:
            self.pages = max(self.pages, number + 1)
        rows = clinic.worklist_rows(html)
        if not rows and number > 1:
            self.pages = number - 1
        return rows

    @task(6)
    def work_a_task(self):
        """Open a patient and one of their tasks, then complete it with valid answers."""
        rows = self._worklist()
        if not rows:
            return
        patient_id, pathway_id, task_id = random.choice(rows)
        self.client.get(f"/patienter/{patient_id}", name="/patienter/[id]")
        url = f"/forloeb/{pathway_id}/opgaver/{task_id}"
        page = self.client.get(url, name="/forloeb/[id]/opgaver/[task]")
        if page.status_code != 200:  # e.g. someone else completed it a moment ago (302)
            return
        post = clinic.task_post(page.text)
        if post is None:
            return
        form_id, fields = post
        # the page's autosave: a background draft save while typing (races completions by
        # colleagues; 204 stored, 409 "the task was completed; your text is kept here")
        draft = [(k, "draft" if k == "action" else v) for k, v in fields]
        with self.client.post(url, data=urlencode(draft), headers={**FORM, "X-Autosave": "1"},
                              name="/forloeb/[id]/opgaver/[task] [autosave]",
                              catch_response=True, allow_redirects=False) as response:
            if response.status_code in (204, 409):
                response.success()
            else:
                response.failure(f"autosave {response.status_code}")
        with self.client.post(url, data=urlencode(fields), headers=FORM, name="/forloeb/[id]/opgaver/[task] [submit]",
                              catch_response=True, allow_redirects=False) as response:
            outcome = {"pathway_id": pathway_id, "task_id": task_id, "form": form_id,
                       "user": self.username, "status": response.status_code}
            location = response.headers.get("Location", "") if response.status_code == 302 else ""
            if response.status_code == 302 and "/patienter/" in location:
                outcome["acked"] = True  # the task is completed (or was already: see below)
                response.success()
            elif response.status_code == 409:  # a colleague changed it first: draft kept
                outcome["acked"] = False
                response.success()
            else:
                outcome["acked"] = None  # outcome unknown to the user
                response.failure(f"submit {response.status_code}")
        if outcome["acked"]:
            # a completed submit and "someone else completed it first" both redirect; the
            # flash on the page that follows tells them apart, as it does for the user
            page = self.client.get(location, name="/patienter/[id]")
            if any(mark in page.text for mark in SOMEONE_ELSE):
                outcome["acked"] = False
        _log(outcome)

    @task(1)
    def refer(self):
        """Register a referral for a new patient."""
        if self.username == "tovholder.kbh":
            return self.search()
        page = self.client.get("/henvisning", name="/henvisning")
        csrf = clinic.CSRF.search(page.text)
        if not csrf:
            return None
        with self.client.post("/henvisning", data=urlencode(clinic.referral_fields(csrf.group(1))),
                              headers=FORM,
                              name="/henvisning [post]", allow_redirects=False,
                              catch_response=True) as response:
            if response.status_code == 409:  # a random CPR that already has a pathway
                response.success()
            elif response.status_code != 302:
                response.failure(f"referral {response.status_code}")
        return None

    @task(2)
    def search(self):
        """Search patients by name (and now and then by CPR number)."""
        query = clinic.random_cpr() if random.random() < 0.3 else random.choice(
            ["Seed", "Patient 1", "Belastning", "Patient 4"])
        self.client.get("/patienter", params={"q": query}, name="/patienter?q=[query]")
