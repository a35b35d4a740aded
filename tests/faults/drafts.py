"""Fault scenario `draft-race`: autosaves of two users racing a completion of the same task.

For each of `draft_races` tasks, three requests leave at the same moment through real HTTP
(gunicorn, PostgreSQL): a background draft save by two clinicians of the same organisation
and the completion by one of them. Afterwards: no answer is a 5xx or lost, each task is
completed at most once, no draft is left open for a task that is no longer on the worklist,
and every pathway loads with the worklist its state asks for.
"""
import threading

import requests
from sqlalchemy import func, select

from engine.models import TaskDraft, TaskRecord, WorklistItem
from tests.load import clinic, harness
from tests.load.seed import seed
from tests.load.verify import check_pathways
from webui.extensions import db

USERS = ("psyk.kbh", "tovholder.kbh")  # both regional clinicians of Region Hovedstaden


def _login(base, username):
    http = requests.Session()
    page = http.get(base + "/login", timeout=30)
    http.post(base + "/login", timeout=30, data={"csrf_token": clinic.CSRF.search(page.text).group(1),
                                                 "username": username, "password": clinic.PASSWORD})
    return http


def _race(sessions, base, row):
    """Fire two draft saves and one completion at once; return their status codes (or errors)."""
    _, pathway_id, task_id = row
    url = f"{base}/forloeb/{pathway_id}/opgaver/{task_id}"
    page = sessions[0].get(url, timeout=30, allow_redirects=False)
    post = clinic.task_post(page.text) if page.status_code == 200 else None
    if post is None:
        return None
    _, fields = post
    other = clinic.CSRF.search(sessions[1].get(url, timeout=30, allow_redirects=False).text)
    if other is None:
        return None

    def draft(csrf):
        """The same answers as a background draft save, with that user's CSRF token."""
        return [(k, csrf if k == "csrf_token" else v) for k, v in fields if k != "action"] + \
            [("action", "draft")]
    mine = dict(fields)["csrf_token"]
    calls = [(sessions[0], draft(mine), {"X-Autosave": "1"}),
             (sessions[1], draft(other.group(1)), {"X-Autosave": "1"}), (sessions[0], fields, {})]
    start, codes = threading.Barrier(len(calls)), [None] * len(calls)

    def send(i, http, data, headers):
        start.wait()
        try:
            codes[i] = http.post(url, data=data, headers=headers, timeout=60,
                                 allow_redirects=False).status_code
        except requests.RequestException as exc:
            codes[i] = type(exc).__name__
    threads = [threading.Thread(target=send, args=(i, *call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return codes


def draft_race(counts, workdir):
    """Race autosaves against completions; report every answer and the database's state."""
    database = harness.Database()
    try:
        app = harness.app_for(database.url)
        seed(app, counts["pathways"])
        server = harness.Server(database.url, web_workers=3, log_path=workdir / "draft-race.log")
        try:
            server.wait_ready()
            sessions = [_login(server.url, user) for user in USERS]
            rows = clinic.worklist_rows(sessions[0].get(server.url + "/", timeout=30).text)
            answers, races = [], 0
            for row in rows[:counts["draft_races"]]:
                codes = _race(sessions, server.url, row)
                if codes is not None:
                    races += 1
                    answers.extend(codes)
        finally:
            server.stop()
        # saved (204), completed (302), or told the task closed meanwhile (409 / 200 page)
        bad = [code for code in answers if code not in (200, 204, 302, 409)]
        with app.app_context():
            twice = db.session.scalar(select(func.count()).select_from(
                select(TaskRecord.task_id).where(TaskRecord.task_id.is_not(None))
                .group_by(TaskRecord.pathway_id, TaskRecord.task_id)
                .having(func.count() > 1).subquery()))
            open_tasks = select(WorklistItem.task_id)
            orphans = db.session.scalar(select(func.count()).select_from(TaskDraft).where(
                TaskDraft.closed_at.is_(None), TaskDraft.task_id.not_in(open_tasks)))
            pathways = check_pathways(db.session)
            db.session.remove()
        report = {"races": races, "answers": sorted({str(c) for c in answers}), "bad_answers": bad,
                  "tasks_completed_twice": twice, "open_drafts_of_closed_tasks": orphans, **pathways}
        report["ok"] = (races == counts["draft_races"] and not bad and twice == 0 and orphans == 0
                        and not pathways["load_failures"] and not pathways["projection_mismatches"])
        return report
    finally:
        database.drop()
