"""The reconciliation screen: HospitalNotifications about patients we did not know, shown to the
administrators of the receiving client's organisation only, reprocessed or closed with a reason."""
from sqlalchemy import func, select

from engine.models import AuditEntry, Notice, Pathway
from tests.web import pathway_setup as setup
from tests.web.hn_bundles import message
from tests.web.test_fhir_messaging import KOMMUNE, ok, token  # noqa: F401 (fixture)
from webui.extensions import db
from webui.fhir.models import HospitalMessage, HospitalStay
from webui.models import User

NEW_CPR = "0909909999"
PAGE = "/admin/sygehusadviser"


def unmatched(app):
    with app.app_context():
        return db.session.scalars(select(HospitalMessage).where(HospitalMessage.outcome == "unmatched")).all()


def test_an_unmatched_admission_is_applied_once_the_patient_has_a_pathway(app, client, token, auth):  # noqa: F811
    ok(client, token, message("admit-inpatient", "IMP", "in-progress", NEW_CPR, family="Nyborg"))
    row_id = unmatched(app)[0].id
    auth.login("admin")
    page = client.get(PAGE).get_data(as_text=True)
    assert "STIN" in page and "090990-9999" in page and "Bent Nyborg" in page
    # no pathway yet: reprocessing changes nothing and says so
    answer = client.post(f"{PAGE}/{row_id}/behandl", follow_redirects=True)
    assert "stadig intet forløb" in answer.get_data(as_text=True)
    assert len(unmatched(app)) == 1
    with app.app_context():   # the patient is referred and enrolled; now the admission applies
        pathway_id = setup.to_opstart(cpr=NEW_CPR).id
    answer = client.post(f"{PAGE}/{row_id}/behandl", follow_redirects=True)
    assert "er behandlet" in answer.get_data(as_text=True)
    with app.app_context():
        row = db.session.get(HospitalMessage, row_id)
        assert (row.outcome, row.pathway_id, row.reconciled_by) == ("applied", pathway_id, "admin")
        assert db.session.get(Pathway, pathway_id).stage == "indlagt"
        assert db.session.scalar(select(func.count()).select_from(HospitalStay)) == 1
        assert db.session.scalar(select(Notice.kind).where(Notice.org_code == KOMMUNE)) == "admitted"
        assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "hn_reconcile")).pathway_id == pathway_id
    assert "090990-9999" not in client.get(PAGE).get_data(as_text=True)   # reconciled: off the list
    assert client.post(f"{PAGE}/{row_id}/behandl").status_code == 404     # and not twice


def test_dismiss_needs_a_reason(app, client, token, auth):  # noqa: F811
    ok(client, token, message("admit-inpatient", "IMP", "in-progress", NEW_CPR))
    row_id = unmatched(app)[0].id
    auth.login("admin")
    answer = client.post(f"{PAGE}/{row_id}/afslut", data={"reason": " "}, follow_redirects=True)
    assert "Skriv en begrundelse" in answer.get_data(as_text=True) and len(unmatched(app)) == 1
    client.post(f"{PAGE}/{row_id}/afslut", data={"reason": "Ikke i integreret forløb"})
    with app.app_context():
        row = db.session.get(HospitalMessage, row_id)
        assert (row.outcome, row.reconciled_by) == ("dismissed", "admin")


def test_never_shown_to_other_regions_or_to_clinicians(app, client, token, auth):  # noqa: F811
    ok(client, token, message("admit-inpatient", "IMP", "in-progress", NEW_CPR))
    row_id = unmatched(app)[0].id
    with app.app_context():
        user = User(username="admin.nord", full_name="Nina Nord", organisation_code="region-nordjylland",
                    roles_csv="administrator")
        user.set_password("demo1234")
        db.session.add(user)
        db.session.commit()
    auth.login("admin.nord")
    assert "0909" not in client.get(PAGE).get_data(as_text=True)
    assert client.post(f"{PAGE}/{row_id}/behandl").status_code == 404
    assert client.post(f"{PAGE}/{row_id}/afslut", data={"reason": "forsøg"}).status_code == 404
    auth.login("psyk.kbh")
    assert client.get(PAGE).status_code == 403
    assert len(unmatched(app)) == 1
