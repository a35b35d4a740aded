"""Clinicians clicking through real HTTP while faults are injected: worklist → task → submit.

Each submit's outcome goes to an outcomes file as the load test's do: acked (the user saw it
completed), refused (conflict or already done: nothing stored) or unknown (error, reset or
timeout: the user cannot tell, so it may or may not be stored).
"""
import json
import random
import threading
import time

import requests

from tests.load import clinic

# flashes that say the task was closed by someone or something else ("X afsluttede opgaven",
# "Opgaven blev lukket uden at blive afsluttet"), not by this submit
# not a new completion: another user's, a closed task, or this user's own earlier one (two
# clickers may share a login, so one can submit a task the other has just completed)
SOMEONE_ELSE = ("afsluttede opgaven", "Opgaven blev lukket uden", "allerede afsluttet opgaven")


class Clicker(threading.Thread):
    """One logged-in clinician submitting tasks until stopped."""

    def __init__(self, base_url, username, outcomes, lock, stop, think=0.05, submitting=None):
        super().__init__(daemon=True)
        self.submitting = submitting or threading.Event()  # set while a submit is on the wire
        self.base, self.username, self.outcomes, self.lock = base_url, username, outcomes, lock
        self.stop, self.think = stop, think
        self.submits = 0
        self.errors = 0

    def _login(self):
        self.http = requests.Session()
        page = self.http.get(self.base + "/login", timeout=10)
        csrf = clinic.CSRF.search(page.text).group(1)
        self.http.post(self.base + "/login", timeout=10, data={
            "csrf_token": csrf, "username": self.username, "password": clinic.PASSWORD})

    def _write(self, entry):
        with self.lock, open(self.outcomes, "a") as handle:
            handle.write(json.dumps(entry) + "\n")

    def run(self):
        """Loop: log in when needed, pick a task, submit it, record the outcome."""
        logged_in = False
        while not self.stop.is_set():
            try:
                if not logged_in:
                    self._login()
                    logged_in = True
                self.click()
            except requests.RequestException:
                self.errors += 1
                time.sleep(0.2)
            time.sleep(self.think)

    def click(self):
        """One worklist → task page → submit round."""
        listing = self.http.get(self.base + f"/?page={random.randint(1, 4)}", timeout=10)
        rows = clinic.worklist_rows(listing.text) or clinic.worklist_rows(
            self.http.get(self.base + "/", timeout=10).text)
        if not rows:
            return
        _, pathway_id, task_id = random.choice(rows)
        url = f"{self.base}/forloeb/{pathway_id}/opgaver/{task_id}"
        page = self.http.get(url, timeout=10, allow_redirects=False)
        post = clinic.task_post(page.text) if page.status_code == 200 else None
        if post is None:
            return
        form_id, fields = post
        entry = {"pathway_id": pathway_id, "task_id": task_id, "form": form_id,
                 "user": self.username, "acked": None}
        self.submits += 1
        try:
            self.submitting.set()
            response = self.http.post(url, data=fields, timeout=10, allow_redirects=False)
        except requests.RequestException as exc:
            entry["error"] = type(exc).__name__
            self._write(entry)  # sent, answer lost: unknown
            raise
        entry["status"] = response.status_code
        location = response.headers.get("Location", "")
        if response.status_code == 302 and "/patienter/" in location:
            try:
                after = self.http.get(self.base + location if location.startswith("/")
                                      else location, timeout=10)
                entry["acked"] = not any(mark in after.text for mark in SOMEONE_ELSE)
            except requests.RequestException:
                # the flash that tells "done" from "someone else did it" was lost: unknown
                entry["acked"] = None
        elif response.status_code == 409:
            entry["acked"] = False
        self._write(entry)


def start_clickers(base_url, outcomes, count=6, think=0.05, submitting=None):
    """Start `count` clickers over the demo accounts; returns (threads, stop event)."""
    lock, stop = threading.Lock(), threading.Event()
    accounts = [name for name, weight in clinic.ACCOUNTS for _ in range(weight)]
    threads = [Clicker(base_url, accounts[i % len(accounts)], outcomes, lock, stop, think,
                       submitting) for i in range(count)]
    for thread in threads:
        thread.start()
    return threads, stop


def stop_clickers(threads, stop):
    """Stop the clickers and wait for them; returns (submits, errors)."""
    stop.set()
    for thread in threads:
        thread.join(timeout=30)
    return sum(t.submits for t in threads), sum(t.errors for t in threads)
