"""Every example message of MedCom's HospitalNotification guide, posted to $process-message after
the guide's own earlier messages of the same stay, and checked for its effect on the pathway, the
stay, the municipal notices and the Acknowledgement."""
from datetime import UTC

import pytest
from sqlalchemy import select

from tests.web.hn_bundles import response
from tests.web.hn_guide import BY_NAME, CPR, EXAMPLES, STAA_ID, STIN_ID, STOR_ID, bundle
from tests.web.test_fhir_messaging import notices, ok, opstart, state, stay, token  # noqa: F401
from webui.extensions import db
from webui.markers.models import PathwayMarker

BEFORE = {STIN_ID: "STIN", STOR_ID: "STOR", STAA_ID: "STAA"}
INDLAGT = ("active", "indlagt", None)
OPSTART = ("active", "opstart", None)
DEAD = ("ended", "indlagt", "deceased")   # the pathway ends where the death found it
# name: (pathway state after, notices after, the stay's status/effect/start/end/leaves after)
EXPECTED = {
    "STIN": (INDLAGT, ["admitted"], ("in-progress", "admitted", "2022-12-07T10:00:00", None, [])),
    "RE_STIN": (INDLAGT, ["admitted"], ("in-progress", "admitted", "2022-12-07T11:00:00", None, [])),
    # undoing the admission moves the pathway back, which tells the municipality as a discharge does
    "AN_STIN": (OPSTART, ["admitted", "discharged"], ("entered-in-error", "undone", "2022-12-07T10:00:00", None, [])),
    "STOR": (INDLAGT, ["admitted"], ("onleave", "admitted", "2022-12-07T10:00:00", None,
                                     [("2022-12-13T12:00:10+00:00", None)])),
    "SLOR": (INDLAGT, ["admitted"], ("in-progress", "admitted", "2022-12-07T10:00:00", None,
                                     [("2022-12-13T12:00:10+00:00", "2022-12-14T13:30:00+00:00")])),
    "SLHJ_IMP": (OPSTART, ["admitted", "discharged"],
                 ("finished", "discharged", "2022-12-07T10:00:00", "2022-12-18T07:45:30", [])),
    "MORS_IMP": (DEAD, ["admitted", "deceased"], ("finished", "died", "2022-12-07T10:00:00", "2022-12-09T07:45:30", [])),
    "STAA": (INDLAGT, ["admitted"], ("in-progress", "admitted", "2022-12-01T08:00:04", None, [])),
    "SLHJ_EMER": (OPSTART, ["admitted", "discharged"],
                  ("finished", "discharged", "2022-12-01T08:00:04", "2022-12-02T20:00:09", [])),
    "MORS_EMER": (DEAD, ["admitted", "deceased"], ("finished", "died", "2022-12-01T08:00:04", "2022-12-02T05:00:00", [])),
    "STIN_SERVICE_PROVIDER": (INDLAGT, ["admitted"], ("in-progress", "admitted", "2022-12-07T10:00:00", None, [])),
    "STIN_TWO_EPISODES": (INDLAGT, ["admitted"], ("in-progress", "admitted", "2022-12-07T10:00:00", None, [])),
}


def test_every_example_of_the_guide_is_covered():
    assert sorted(EXPECTED) == sorted(e["name"] for e in EXAMPLES) and len(EXAMPLES) == 12


@pytest.mark.parametrize("example", EXAMPLES, ids=[e["name"] for e in EXAMPLES])
def test_guide_example(app, client, token, example):  # noqa: F811
    pathway_id = opstart(app, cpr=CPR)
    for _activity, earlier, _when in example["earlier"]:   # the stay's earlier messages, as the guide sent them
        ok(client, token, bundle(BY_NAME[BEFORE[earlier]]))
    ack = ok(client, token, bundle(example))
    assert response(ack) == (example["header"], "ok", "HN-OK")
    after, sent, (status, effect, start, end, leaves) = EXPECTED[example["name"]]
    assert state(app, pathway_id) == after
    assert notices(app) == sent
    got = stay(app)
    assert got[:2] == (status, effect)
    assert got[2].isoformat().startswith(start)
    assert (got[3].isoformat()[:19] if got[3] else None) == end
    assert [(v["start"], v["end"]) for v in got[4]] == leaves


def test_two_episode_identifiers_match_later_messages_naming_only_the_sor_one(app, client, token):  # noqa: F811
    """The guide's STIN with an LPR and a SOR episode identifier, then its inpatient discharge, which
    names the stay by the SOR identifier alone (and without urn:uuid): the same stay."""
    pathway_id = opstart(app, cpr=CPR)
    ok(client, token, bundle(BY_NAME["STIN_TWO_EPISODES"]))
    ok(client, token, bundle({**BY_NAME["SLHJ_IMP"], "earlier": ()}))
    assert state(app, pathway_id) == OPSTART
    assert stay(app)[:2] == ("finished", "discharged")


def markers(app, pathway_id):
    with app.app_context():
        rows = db.session.scalars(select(PathwayMarker).where(PathwayMarker.pathway_id == pathway_id)
                                  .order_by(PathwayMarker.id))
        return {m.point: m.at.astimezone(UTC).isoformat()[:19] for m in rows}


def test_admission_and_discharge_markers_carry_the_hospitals_times(app, client, token):  # noqa: F811
    """STIN, RE_STIN and SLHJ of the guide, processed years later: the markers have the
    Encounter's period (as corrected), not the time of processing."""
    pathway_id = opstart(app, cpr=CPR)
    ok(client, token, bundle(BY_NAME["STIN"]))
    assert markers(app, pathway_id)["indlaeggelse"] == "2022-12-07T10:00:00"
    ok(client, token, bundle(BY_NAME["RE_STIN"]))
    ok(client, token, bundle(BY_NAME["SLHJ_IMP"]))
    got = markers(app, pathway_id)
    assert (got["indlaeggelse"], got["udskrivelse"]) == ("2022-12-07T11:00:00", "2022-12-18T07:45:30")


def test_a_death_marker_carries_the_time_of_death(app, client, token):  # noqa: F811
    pathway_id = opstart(app, cpr=CPR)
    ok(client, token, bundle(BY_NAME["STAA"]))
    ok(client, token, bundle(BY_NAME["MORS_EMER"]))
    got = markers(app, pathway_id)
    assert (got["indlaeggelse"], got["afslutning"]) == ("2022-12-01T08:00:04", "2022-12-02T05:00:00")
