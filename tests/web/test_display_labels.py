"""Notices name their codes in words; a breach reason writes its dates as the page does."""
from datetime import UTC, date, datetime

from tests.web import pathway_setup as setup
from webui.extensions import db

BOTH = ("psykiatri", "kommune")
INPATIENT = ("indlagt_henvendelse", "selvmordsrisiko", "indlagt_diagnostik", "medicingennemgang",
             "indlagt_behandling")


def test_notices_show_labels_not_codes(app, client, auth):
    with app.app_context():
        pathway = setup.to_opstart(contacts=BOTH)
        pathway_id, patient_id = pathway.id, pathway.patient_id
    auth.login("psyk.kbh")
    client.post(f"/forloeb/{pathway_id}/indlaeggelse", data={"admission_reason": "psykisk_forvaerring"})
    with app.app_context():
        for form_id in INPATIENT:
            setup.complete(pathway_id, form_id)
        setup.complete(pathway_id, "indlagt_udskrivelse",
                       {"return_stage": "stabil", "discharge_checklist": ["epikrise", "kommune"]})
    auth.logout()
    auth.login("rus.kbh")
    inbox = client.get("/meddelelser/").get_data(as_text=True)
    assert "Akut psykisk forværring" in inbox and "Indlagt fra: Opstart" in inbox
    assert "fortsætter i Stabil" in inbox
    assert "Epikrise sendt, Kommunen har fået besked" in inbox
    for code in ("psykisk_forvaerring", "epikrise", ">opstart", "stabil<"):
        assert code not in inbox, code
    assert patient_id


def test_breach_reason_dates_are_written_like_the_rest_of_the_page(app, client, auth):
    with app.app_context():
        pathway = setup.refer(received=date(2027, 3, 14), now=datetime(2027, 3, 14, 9, tzinfo=UTC))
        setup.complete(pathway.id, "visitation", {"visitation_decision": "inkluderet"},
                       now=datetime(2027, 3, 14, 9, tzinfo=UTC))
        setup.complete(pathway.id, "indskrivning", setup.ENROL,
                       now=datetime(2027, 3, 14, 9, tzinfo=UTC))
        setup.complete(pathway.id, "audit", now=datetime(2027, 3, 29, 9, tzinfo=UTC))
        patient_id = pathway.patient_id
        assert db.session.get(type(pathway), pathway.id).guarantee_breach_reason == \
            "Behandlingen startede 2027-03-29, efter fristen 2027-03-28"
    auth.login("psyk.kbh")
    body = client.get(f"/patienter/{patient_id}").get_data(as_text=True)
    reason = body.split('class="breach-reason">')[1].split("</small>")[0]
    assert reason == "Behandlingen startede 29. mar. 2027, efter fristen 28. mar. 2027"
