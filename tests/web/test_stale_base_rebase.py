"""Stale base, resolved (issue 22): the owner learns the newer version is only proposed, moves
the changes onto it (files both changed are merged line by line), proposes on top of it, and
approval order is kept. Scenario runs are replaced by an empty run: they are not under test."""
import pytest

from engine import modeling
from engine.definitions.rebasing import merge3
from tests.web.pathway_setup import ensure_deployed
from webui.extensions import db
from webui.modeler import api


def _date_of(text, rule):
    line = next(x for x in text.splitlines() if f'id="{rule}_date"' in x)
    return line.split("<text>")[1].split("</text>")[0]


def _dated(text, rule, new):
    old = _date_of(text, rule)
    line = next(x for x in text.splitlines() if f'id="{rule}_date"' in x)
    return text.replace(line, line.replace(old, f'"{new}"'))


@pytest.fixture
def world(app, demo_users, monkeypatch):
    """Version 1 current; ejer2 proposed version 2 moving rule_3 (Hovedstaden, gruppe 3)."""
    monkeypatch.setattr(api, "run_scenarios", lambda files: [])
    with app.app_context():
        ensure_deployed()
        base = modeling.current_version(db.session)
        dmn = base.files["phase_in.dmn"]
        theirs, _ = modeling.propose(db.session, base.id, {"phase_in.dmn": _dated(dmn, "rule_3", "2027-01-04")},
                                     "ejer2", note="Hovedstaden gruppe 3")
        db.session.commit()
        return {"base": base.id, "theirs": theirs.id, "dmn": dmn}


def test_merge3_keeps_both_changes_apart_and_names_a_clash():
    assert merge3("a\nb\nc\n", "A\nb\nc\n", "a\nb\nC\n") == ("A\nb\nC\n", [])
    assert merge3("a\nb\nc\n", "a\nX\nc\n", "a\nY\nc\n") == (None, [(2, "X", "Y")])
    assert merge3("a\nb\n", "a\nb\n", "a\nb\nz\n") == ("a\nb\nz\n", [])


def test_stale_proposal_is_told_the_newer_one_is_only_proposed_and_can_go_on_top(auth, client, app, world):
    auth.login("ejer")
    mine = {"phase_in.dmn": _dated(world["dmn"], "rule_6", "2027-02-01")}
    refused = client.post("/modeler/api/propose", json={"base_version": world["base"], "files": mine})
    body = refused.get_json()
    assert refused.status_code == 409 and body["onto"] == world["theirs"] and body["onto_status"] == "proposed"
    assert "venter på godkendelse" in body["message"] and "først godkendes" in body["message"]

    moved = client.post("/modeler/api/rebase", json={"base_version": world["base"], "files": mine,
                                                     "onto": world["theirs"]}).get_json()
    assert moved["base_version"] == world["theirs"] and "først godkendes" in moved["note"]
    merged = moved["files"]["phase_in.dmn"]
    assert (_date_of(merged, "rule_3"), _date_of(merged, "rule_6")) == ('"2027-01-04"', '"2027-02-01"')

    proposed = client.post("/modeler/api/propose", json={"base_version": world["theirs"], "files": moved["files"]})
    assert proposed.status_code == 201, proposed.get_json()
    ours = proposed.get_json()["version"]

    auth.logout()
    auth.login("ejer2")  # approving ours before theirs is refused, naming the order
    early = client.post(f"/modeler/api/versions/{ours}/approve")
    assert early.status_code == 409 and "Godkend eller afvis den version først" in early.get_json()["message"]
    auth.logout()
    auth.login("ejer")
    assert client.post(f"/modeler/api/versions/{world['theirs']}/approve").status_code == 200
    auth.logout()
    auth.login("ejer2")
    assert client.post(f"/modeler/api/versions/{ours}/approve").status_code == 200
    with app.app_context():
        current = modeling.current_version(db.session)
        assert current.id == ours
        text = current.files["phase_in.dmn"]
        assert (_date_of(text, "rule_3"), _date_of(text, "rule_6")) == ('"2027-01-04"', '"2027-02-01"')


def test_the_same_line_changed_twice_is_a_readable_conflict(auth, client, world):
    auth.login("ejer")
    mine = {"phase_in.dmn": _dated(world["dmn"], "rule_3", "2027-03-01")}
    response = client.post("/modeler/api/rebase", json={"base_version": world["base"], "files": mine,
                                                        "onto": world["theirs"]})
    body = response.get_json()
    assert response.status_code == 409 and body["error"] == "merge_conflict"
    assert "de samme linjer i phase_in.dmn" in body["message"]
    [conflict] = body["conflicts"]
    assert conflict["file"] == "phase_in.dmn" and "2027-03-01" in conflict["ours"] and "2027-01-04" in conflict["theirs"]


def test_once_approved_the_change_moves_onto_the_current_version(auth, client, app, world):
    with app.app_context():
        modeling.approve(db.session, world["theirs"], "ejer")
        db.session.commit()
    auth.login("ejer")
    mine = {"phase_in.dmn": _dated(world["dmn"], "rule_6", "2027-02-01")}
    body = client.post("/modeler/api/propose", json={"base_version": world["base"], "files": mine}).get_json()
    assert body["onto_status"] == "current" and "er blevet aktuel" in body["message"]
    moved = client.post("/modeler/api/rebase", json={"base_version": world["base"], "files": mine,
                                                     "onto": world["theirs"]}).get_json()
    assert moved["note"] is None and moved["status"] == "current"
