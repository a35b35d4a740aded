"""Pathway markers: each measurement point stored once with its code, through every door, and
exported as CSV (admin page) and FHIR Observations."""
import json
from datetime import UTC, datetime

import pytest
from fhir.resources.R4B.bundle import Bundle
from sqlalchemy import select

from engine.models import AuditEntry, Pathway, TaskRecord
from tests.conftest import make_test_config
from tests.web import pathway_setup as setup
from tests.web.hn_bundles import header_id, message
from tests.web.test_fhir_messaging import CPR, ok, opstart, token  # noqa: F401 (fixture)
from webui import create_app
from webui.extensions import db
from webui.markers import codes
from webui.markers.models import PathwayMarker


def markers(app, pathway_id):
    with app.app_context():
        return [(m.point, m.code, m.value) for m in db.session.scalars(
            select(PathwayMarker).where(PathwayMarker.pathway_id == pathway_id).order_by(PathwayMarker.id))]


def timed(app, pathway_id):
    """(point, time without zone) of the pathway's markers, in the order stored."""
    with app.app_context():
        return [(m.point, m.at.replace(tzinfo=None)) for m in db.session.scalars(
            select(PathwayMarker).where(PathwayMarker.pathway_id == pathway_id).order_by(PathwayMarker.id))]


def test_referral_visitation_guarantee_treatment_and_phases_are_marked_once(app, client, token):  # noqa: F811
    pathway_id = opstart(app)
    points = [p for p, _c, _v in markers(app, pathway_id)]
    assert set(points) == {"henvisning_modtaget", "garantifrist", "visitation", "fase_opstart"}
    assert len(points) == len(set(points))                     # each point once
    due = next(v for p, _c, v in markers(app, pathway_id) if p == "garantifrist")
    with app.app_context():
        pathway = db.session.get(Pathway, pathway_id)
        assert due == pathway.guarantee_due.isoformat()
        # the deadline is set by the referral's script as the pathway starts: that is its time
        assert dict(timed(app, pathway_id))["garantifrist"] == pathway.started_at.replace(tzinfo=None)
    # an admission and a discharge through HospitalNotification are marked too, with the run
    admit = message("admit-inpatient", "IMP", "in-progress", CPR)
    ok(client, token, admit)
    ok(client, token, message("discharge-inpatient-home", "IMP", "finished", CPR, end="2026-03-06T09:00:00+01:00",
                              earlier=[("admit-inpatient", header_id(admit))]))
    after = [p for p, _c, _v in markers(app, pathway_id)]
    assert after[len(points):] == ["indlaeggelse", "udskrivelse", "fase_opstart"]
    assert ("indlaeggelse", "FM21", None) in markers(app, pathway_id)
    # the first treatment contact is in the inpatient stage (indlagt_henvendelse)
    with app.app_context():
        keys = db.session.scalars(select(PathwayMarker.key).where(PathwayMarker.pathway_id == pathway_id)).all()
        assert len(keys) == len(set(keys))


def test_treatment_start_and_end_are_marked(app, client, token):  # noqa: F811
    pathway_id = opstart(app)
    ok(client, token, message("admit-inpatient", "IMP", "in-progress", CPR))
    with app.app_context():
        setup.complete(pathway_id, "indlagt_henvendelse")
    ok(client, token, message("discharge-inpatient-home", "IMP", "finished", CPR, deceased=True,
                              end="2026-03-02T04:00:00+01:00"))
    points = [p for p, _c, _v in markers(app, pathway_id)]
    assert "behandlingsstart" in points and points[-1] == "afslutning"
    with app.app_context():
        pathway = db.session.get(Pathway, pathway_id)
        started = db.session.scalar(select(PathwayMarker.at).where(
            PathwayMarker.pathway_id == pathway_id, PathwayMarker.point == "behandlingsstart"))
        assert started == pathway.treatment_started_at


def test_a_configured_code_table_is_used_and_a_bad_one_stops_the_start(tmp_path, database_url):
    table = json.loads(codes.DEFAULT_FILE.read_text())
    table["system"] = "urn:oid:1.2.208.176.2.4.99"
    table["codes"]["henvisning_modtaget"] = {"code": "AFX01A", "display": "Henvisning modtaget (national)"}
    good = tmp_path / "codes.json"
    good.write_text(json.dumps(table))
    app = create_app(make_test_config(database_url, MARKER_CODES_FILE=str(good)))
    with app.app_context():
        pathway = setup.refer(cpr="0303903456")
        first = db.session.scalar(select(PathwayMarker).where(PathwayMarker.pathway_id == pathway.id,
                                                              PathwayMarker.point == "henvisning_modtaget"))
        assert (first.system, first.code) == ("urn:oid:1.2.208.176.2.4.99", "AFX01A")
    del table["codes"]["afslutning"]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(table))
    with pytest.raises(RuntimeError, match="missing points: afslutning"):
        create_app(make_test_config(database_url, MARKER_CODES_FILE=str(bad)))
    with pytest.raises(codes.BadCodeTable, match="share a code"):
        table["codes"]["afslutning"] = {"code": "AFX01A", "display": "x"}
        codes.parse_table(json.dumps(table))


def test_csv_export_for_administrators_of_the_organisation(app, client, auth):
    pathway_id = opstart(app)
    with app.app_context():   # another region's pathway is not in Hovedstaden's export
        other = setup.refer(cpr="0202902468", region="nordjylland", municipality="aalborg", actor="psyk.aal").id
    auth.login("admin")
    page = client.get("/admin/markoerer")
    assert page.status_code == 200 and "FM01" in page.get_data(as_text=True)
    answer = client.get("/admin/markoerer.csv")
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    lines = answer.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert lines[0].split(";") == ["pathway_id", "region_org", "municipality_org", "point", "system", "code",
                                   "display", "at", "value"]
    ids = {line.split(";")[0] for line in lines[1:]}
    assert ids == {str(pathway_id)} and str(other) not in ids
    assert CPR not in answer.get_data(as_text=True)
    assert client.get("/admin/markoerer.csv?fra=2999-01-01").get_data(as_text=True).count("\n") == 1
    assert client.get("/admin/markoerer.csv?fra=igaar").status_code == 400
    with app.app_context():
        assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "export_markers")) is not None
    auth.login("psyk.kbh")    # a clinician is not an administrator
    assert client.get("/admin/markoerer.csv").status_code == 403


def test_cli_export(app, runner):
    pathway_id = opstart(app)
    result = runner.invoke(args=["markers", "export", "--org", "region-hovedstaden"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0].startswith("pathway_id;")
    assert f"\n{pathway_id};region-hovedstaden;" in result.output
    assert runner.invoke(args=["markers", "export", "--since", "nope"]).exit_code != 0


def test_markers_as_fhir_observations(app, client, token):  # noqa: F811
    pathway_id = opstart(app)
    with app.app_context():
        patient_id = db.session.get(Pathway, pathway_id).patient_id
    headers = {"Authorization": f"Bearer {token}"}
    answer = client.get(f"/fhir/Observation?patient=Patient/{patient_id}", headers=headers)
    assert answer.status_code == 200, answer.get_data()[:300]
    body = answer.get_json()
    Bundle.parse_obj(body)
    codes_seen = [e["resource"]["code"]["coding"][0]["code"] for e in body["entry"]]
    assert {"FM01", "FM02", "FM03", "FM11"} == set(codes_seen) and body["total"] == len(markers(app, pathway_id))
    first = body["entry"][0]["resource"]
    assert first["focus"] == [{"reference": f"EpisodeOfCare/{pathway_id}"}]
    by_code = client.get(f"/fhir/Observation?patient={patient_id}&code=https://forlob.dk/fhir/CodeSystem/pathway-marker|FM03",
                         headers=headers).get_json()
    assert [e["resource"]["code"]["coding"][0]["code"] for e in by_code["entry"]] == ["FM03"]
    assert "valueDateTime" in by_code["entry"][0]["resource"]
    # national monitoring: every marker of the organisation's pathways since a date, paged
    feed = client.get("/fhir/Observation?category=pathway-marker&_lastUpdated=ge2000-01-01&_count=2",
                      headers=headers).get_json()
    Bundle.parse_obj(feed)
    assert feed["total"] == body["total"] and len(feed["entry"]) == 2
    assert client.get("/fhir/Observation?category=pathway-marker", headers=headers).status_code == 400


def _forget_markers(app):
    with app.app_context():   # as if the pathways had run before markers existed
        db.session.execute(PathwayMarker.__table__.delete())
        db.session.commit()


def _utc(text):
    return datetime.fromisoformat(text).astimezone(UTC).replace(tzinfo=None)


def test_backfill_recreates_the_markers_of_earlier_history_once(app, client, token, runner):  # noqa: F811
    pathway_id = opstart(app)
    # an admission the hospital corrects, a discharge, and an admission again: each hospital
    # point has the hospital's own time, not the time the message moved the pathway
    admit = message("admit-inpatient", "IMP", "in-progress", CPR, start="2026-03-01T12:00:00+01:00")
    ok(client, token, admit)
    ok(client, token, message("revise-admit-inpatient", "IMP", "in-progress", CPR, start="2026-03-01T10:30:00+01:00",
                              earlier=[("admit-inpatient", header_id(admit))]))
    ok(client, token, message("discharge-inpatient-home", "IMP", "finished", CPR, start="2026-03-01T10:30:00+01:00",
                              end="2026-03-04T09:15:00+01:00"))
    ok(client, token, message("admit-emergency", "EMER", "in-progress", CPR, episode="second-stay",
                              start="2026-03-09T23:40:00+01:00"))
    # a death ends a second patient's pathway
    died = opstart(app, cpr="0202902468")
    ok(client, token, message("admit-inpatient", "IMP", "in-progress", "0202902468", episode="third-stay"))
    ok(client, token, message("discharge-inpatient-home", "IMP", "finished", "0202902468", episode="third-stay",
                              end="2026-03-02T04:00:00+01:00", deceased=True))
    live = {p: sorted(timed(app, p)) for p in (pathway_id, died)}
    recorded = {p: sorted(markers(app, p)) for p in (pathway_id, died)}
    stays = [t for point, t in timed(app, pathway_id) if point in ("indlaeggelse", "udskrivelse")]
    assert stays == [_utc("2026-03-01T10:30:00+01:00"), _utc("2026-03-04T09:15:00+01:00"),
                     _utc("2026-03-09T23:40:00+01:00")]
    assert dict(live[died])["afslutning"] == _utc("2026-03-02T04:00:00+01:00")
    _forget_markers(app)
    result = runner.invoke(args=["markers", "backfill"])
    added = sum(len(r) for r in recorded.values())
    assert result.exit_code == 0 and f"{added} markers added" in result.output, result.output
    for pathway in (pathway_id, died):
        assert sorted(markers(app, pathway)) == recorded[pathway]
        assert sorted(timed(app, pathway)) == live[pathway]   # every point, the hospital's too
    assert "garantifrist" in dict(live[pathway_id])
    assert "0 markers added" in runner.invoke(args=["markers", "backfill"]).output


def test_backfill_gives_points_no_hospital_told_the_time_the_pathway_moved(app, client, token, runner):  # noqa: F811
    pathway_id = opstart(app)
    ok(client, token, message("admit-inpatient", "IMP", "in-progress", CPR, start="2026-03-01T12:00:00+01:00"))
    with app.app_context():   # a clinician discharges on the patient page: that is the event's time
        setup.complete(pathway_id, "indlagt_henvendelse")
        moved = db.session.scalar(select(TaskRecord.at).where(TaskRecord.pathway_id == pathway_id,
                                                              TaskRecord.kind == "stage").order_by(TaskRecord.id.desc()))
    live = sorted(timed(app, pathway_id))
    _forget_markers(app)
    assert runner.invoke(args=["markers", "backfill"]).exit_code == 0
    assert sorted(timed(app, pathway_id)) == live
    assert dict(live)["indlaeggelse"] == _utc("2026-03-01T12:00:00+01:00") != moved.replace(tzinfo=None)
