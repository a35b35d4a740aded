"""The remaining HospitalNotification use cases, each posted and checked for its effect:
RE_/AN_ of the acute ambulant start, RE_/AN_ of the discharge (inpatient and acute ambulant),
RE_STOR, a cancelled discharge after the pathway moved, and a cancelled death."""
from sqlalchemy import select

from engine.models import Notice
from tests.web import pathway_setup as setup
from tests.web.hn_bundles import header_id, message
from tests.web.test_fhir_messaging import CPR, history_titles, notices, ok, opstart, state, stay, token  # noqa: F401
from webui.extensions import db
from webui.fhir.models import HospitalMessage

END = "2026-03-06T09:00:00+01:00"


def outcome(app, code):
    with app.app_context():
        return db.session.scalars(select(HospitalMessage.outcome).where(HospitalMessage.code == code)).all()[-1]


def test_acute_ambulant_start_corrected_then_cancelled(app, client, token):  # noqa: F811
    pathway_id = opstart(app)
    start = message("admit-emergency", "EMER", "in-progress", CPR, episode="akut-2")
    ok(client, token, start)
    ok(client, token, message("revise-admit-emergency", "EMER", "in-progress", CPR, episode="akut-2",
                              start="2026-03-01T11:15:00+01:00", earlier=[("admit-emergency", header_id(start))]))
    assert stay(app)[2].isoformat().startswith("2026-03-01T10:15:00")
    assert outcome(app, "RE_STAA") == "recorded"
    ok(client, token, message("cancel-admit-emergency", "EMER", "entered-in-error", CPR, episode="akut-2"))
    assert state(app, pathway_id)[1] == "opstart" and stay(app)[:2] == ("entered-in-error", "undone")
    assert outcome(app, "AN_STAA") == "applied"


def test_discharge_corrected_then_cancelled_readmits(app, client, token):  # noqa: F811
    pathway_id = opstart(app)
    ok(client, token, message("admit-inpatient", "IMP", "in-progress", CPR))
    ok(client, token, message("discharge-inpatient-home", "IMP", "finished", CPR, end=END))
    assert state(app, pathway_id)[1] == "opstart"
    ok(client, token, message("revise-discharge-inpatient-home", "IMP", "finished", CPR,
                              end="2026-03-06T11:00:00+01:00"))
    assert stay(app)[3].isoformat().startswith("2026-03-06T10:00:00")
    assert "Hospitalet rettede udskrivelsestidspunktet" in history_titles(app, pathway_id)
    ok(client, token, message("cancel-discharge-inpatient-home", "IMP", "in-progress", CPR))
    assert state(app, pathway_id)[1] == "indlagt" and stay(app)[:2] == ("in-progress", "admitted")
    assert outcome(app, "AN_SLHJ") == "applied"
    assert notices(app) == ["admitted", "discharged", "admitted"]


def test_acute_ambulant_end_corrected_then_cancelled(app, client, token):  # noqa: F811
    pathway_id = opstart(app)
    ok(client, token, message("admit-emergency", "EMER", "in-progress", CPR, episode="akut-3"))
    ok(client, token, message("discharge-emergency-home", "EMER", "finished", CPR, episode="akut-3", end=END))
    ok(client, token, message("revise-discharge-emergency-home", "EMER", "finished", CPR, episode="akut-3",
                              end="2026-03-06T08:00:00+01:00"))
    assert stay(app)[3].isoformat().startswith("2026-03-06T07:00:00")
    ok(client, token, message("cancel-discharge-emergency-home", "EMER", "in-progress", CPR, episode="akut-3"))
    assert state(app, pathway_id)[1] == "indlagt"


def test_cancelled_discharge_after_the_pathway_moved_asks_a_human(app, client, token):  # noqa: F811
    pathway_id = opstart(app)
    ok(client, token, message("admit-inpatient", "IMP", "in-progress", CPR))
    ok(client, token, message("discharge-inpatient-home", "IMP", "finished", CPR, end=END))
    with app.app_context():   # a clinician works in Opstart meanwhile
        setup.complete(pathway_id, "audit")
    ok(client, token, message("cancel-discharge-inpatient-home", "IMP", "in-progress", CPR))
    assert state(app, pathway_id)[1] == "opstart" and outcome(app, "AN_SLHJ") == "review"
    assert notices(app, "region-hovedstaden")[-1] == "hn_review"


def test_leave_start_corrected_while_on_leave(app, client, token):  # noqa: F811
    opstart(app)
    ok(client, token, message("admit-inpatient", "IMP", "in-progress", CPR))
    ok(client, token, message("start-leave-inpatient", "IMP", "onleave", CPR, occurred="2026-03-03T10:00:00+01:00"))
    ok(client, token, message("revise-start-leave-inpatient", "IMP", "onleave", CPR,
                              occurred="2026-03-03T09:00:00+01:00"))
    assert stay(app)[4][-1]["start"] == "2026-03-03T08:00:00+00:00" and stay(app)[0] == "onleave"


def test_a_cancelled_death_never_reopens_the_pathway(app, client, token):  # noqa: F811
    pathway_id = opstart(app)
    ok(client, token, message("admit-inpatient", "IMP", "in-progress", CPR))
    ok(client, token, message("discharge-inpatient-home", "IMP", "finished", CPR, deceased=True, end=END))
    ok(client, token, message("cancel-discharge-inpatient-home", "IMP", "in-progress", CPR))
    assert state(app, pathway_id) == ("ended", "indlagt", "deceased")
    assert outcome(app, "AN_SLHJ") == "review"
    with app.app_context():
        review = db.session.scalar(select(Notice).where(Notice.kind == "hn_review"))
        assert "genåbnes ikke" in review.data["text"]
