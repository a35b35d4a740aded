"""The patient's own area: activation, login with TOTP, what the patient sees, who sees what."""
import re
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from sqlalchemy import select

from engine.models import AuditEntry
from tests.web import pathway_setup as setup
from webui.demo.patient_logins import DEMO_PATIENT_PASSWORD, DEMO_PATIENTS
from webui.demo.seed import seed_all
from webui.extensions import db
from webui.patient.models import ActivationCode, FollowUp, PatientAccount, PatientSession, Questionnaire
from webui.patient.sessions import token_hash

PASSWORD = "lang-nok-kode-1"


def _two_patients(app):
    """Patient A and patient B, both in Opstart with the demo tovholder."""
    with app.app_context():
        a = setup.to_opstart()
        b = setup.to_opstart(cpr="0202802468", name="Birthe Anden")
        return a.patient_id, b.patient_id


def new_code(client, auth, patient_id):
    """The tovholder makes an activation code on the staff page; return it as shown."""
    auth.login("tovholder.kbh")
    response = client.post(f"/patienter/{patient_id}/aktiveringskode")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    code = re.search(r'id="activation-code">([A-Z0-9-]+)<', response.get_data(as_text=True)).group(1)
    auth.logout()
    return code


def activate(client, code, username):
    """Activate with the code; return the TOTP secret the patient's app now holds."""
    response = client.post("/mig/aktiver", data={"code": code})
    assert response.status_code == 302, response.get_data(as_text=True)
    page = client.get("/mig/aktiver/login").get_data(as_text=True)
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page).group(1)
    response = client.post("/mig/aktiver/login", data={
        "username": username, "password": PASSWORD, "totp": pyotp.TOTP(secret).now()})
    assert response.status_code == 302 and response.headers["Location"].endswith("/mig/")
    return secret


def patient_login(client, username, secret, step_offset=0):
    """Log in with password and a TOTP code from a (later) time step."""
    totp = pyotp.TOTP(secret)
    code = totp.at(datetime.now(UTC) + timedelta(seconds=30 * step_offset))
    return client.post("/mig/login", data={"username": username, "password": PASSWORD, "totp": code})


@pytest.fixture
def patients(app, auth):
    return _two_patients(app)


def test_activation_code_is_one_time_hashed_audited_and_gives_a_session(app, client, auth, patients):
    a, _b = patients
    code = new_code(client, auth, a)
    with app.app_context():
        row = db.session.scalar(select(ActivationCode).where(ActivationCode.patient_id == a))
        assert row.code_hash == token_hash(code.replace("-", "")) and code not in row.code_hash
        assert timedelta(hours=71) < row.expires_at.replace(tzinfo=UTC) - row.created_at.replace(tzinfo=UTC) <= timedelta(hours=72)
        actions = [e.action for e in db.session.scalars(select(AuditEntry).where(
            AuditEntry.actor == "tovholder.kbh", AuditEntry.patient_id == a))]
        assert "patient_area.activation_code" in actions
    # shown once: the staff page does not show it again
    auth.login("tovholder.kbh")
    assert code not in client.get(f"/patienter/{a}/egen-side").get_data(as_text=True)
    auth.logout()
    activate(client, code, "bent.t")
    home = client.get("/mig/")
    assert home.status_code == 200 and "Hej Bent" in home.get_data(as_text=True)
    client.post("/mig/logout")
    # reused code: refused, with a reason
    response = client.post("/mig/aktiver", data={"code": code})
    assert response.status_code == 400 and "allerede brugt" in response.get_data(as_text=True)


def test_expired_and_unknown_codes_are_refused(app, client, auth, patients):
    a, _b = patients
    code = new_code(client, auth, a)
    with app.app_context():
        row = db.session.scalar(select(ActivationCode).where(ActivationCode.patient_id == a))
        row.expires_at = datetime.now(UTC) - timedelta(minutes=1)
        db.session.commit()
    response = client.post("/mig/aktiver", data={"code": code})
    assert response.status_code == 400 and "udløbet" in response.get_data(as_text=True)
    response = client.post("/mig/aktiver", data={"code": "AAAA-BBBB-CCCC"})
    assert response.status_code == 400 and "findes ikke" in response.get_data(as_text=True)


def test_only_a_tovholder_makes_codes(client, auth, patients):
    a, _b = patients
    auth.login("psyk.kbh")
    assert client.post(f"/patienter/{a}/aktiveringskode").status_code == 403


def test_login_needs_password_and_fresh_totp_and_a_code_is_never_reused(app, client, auth, patients):
    a, _b = patients
    secret = activate(client, new_code(client, auth, a), "bent.t")
    client.post("/mig/logout")
    assert client.post("/mig/login", data={"username": "bent.t", "password": PASSWORD,
                                           "totp": "000000"}).status_code == 401
    assert client.post("/mig/login", data={"username": "bent.t", "password": "forkert-kode",
                                           "totp": pyotp.TOTP(secret).now()}).status_code == 401
    # the activation used the current step: a later step logs in, the same one again does not
    assert patient_login(client, "bent.t", secret, step_offset=1).status_code == 302
    client.post("/mig/logout")
    assert patient_login(client, "bent.t", secret, step_offset=1).status_code == 401


def test_patient_session_ends_when_idle(app, client, auth, patients):
    a, _b = patients
    activate(client, new_code(client, auth, a), "bent.t")
    with app.app_context():
        row = db.session.scalar(select(PatientSession))
        row.last_seen_at = datetime.now(UTC) - timedelta(minutes=16)
        db.session.commit()
    response = client.get("/mig/")
    assert response.status_code == 302 and "/mig/login" in response.headers["Location"]


def test_staff_pages_refuse_a_patient(app, client, auth, patients):
    a, b = patients
    activate(client, new_code(client, auth, a), "bent.t")
    staff_urls = [f"/patienter/{a}", f"/patienter/{a}/egen-side", "/", "/patienter",
                  "/admin/audit", "/overblik/", f"/patienter/{b}/egen-side"]
    for url in staff_urls:
        response = client.get(url)
        assert response.status_code in (302, 401, 403, 404), url
        if response.status_code == 302:
            assert "/login" in response.headers["Location"] and "/mig/" not in response.headers["Location"], url
    assert client.post(f"/patienter/{a}/kontakter", data={}).status_code in (302, 403)
    assert client.get("/mig/").status_code == 200       # still logged in as the patient


def test_patient_pages_refuse_staff(client, auth, patients):
    auth.login("tovholder.kbh")
    for url in ("/mig/", "/mig/skema/1"):
        assert client.get(url).status_code == 403, url


def test_every_staff_endpoint_rejects_a_patient_session(app, client, auth, patients):
    """Walk the URL map: nothing outside /mig/ answers 200 to a patient (only public pages)."""
    a, _b = patients
    activate(client, new_code(client, auth, a), "bent.t")
    public = {"/login", "/health", "/healthz", "/readyz", "/tilgaengelighed", "/metrics",
              "/api/v1/openapi.json", "/fhir/metadata", "/readyz/worker"}
    answered = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.rule.startswith(("/mig", "/static")):
            continue
        url = re.sub(r"<(?:int:)?[^>]+>", "1", rule.rule)
        if url in public or rule.endpoint in ("static", "health.live", "health.ready"):
            continue
        if client.get(url).status_code == 200:
            answered.append(url)
    assert answered == []
    with app.app_context():
        assert db.session.scalar(select(PatientAccount).where(PatientAccount.username == "bent.t")).patient_id == a


def test_demo_seed_creates_patient_logins_with_history(app, client):
    with app.app_context():
        seed_all()
        seed_all()                                    # a second seed adds nothing
        assert db.session.scalar(select(db.func.count()).select_from(PatientAccount)) == 3
    secret = DEMO_PATIENTS["patient3"][0]
    response = client.post("/mig/login", data={"username": "patient3", "password": DEMO_PATIENT_PASSWORD,
                                               "totp": pyotp.TOTP(secret).now()})
    assert response.status_code == 302
    body = client.get("/mig/").get_data(as_text=True)
    assert "Din kriseplan" in body and "Psykiatrisk ambulatorium" in body
    assert body.count('class="zone-') == 5 and "zone-red" in body and "/mig/skema/" in body
    assert "AUDIT (alkohol)" in body and "DUDIT (stoffer)" in body
    with app.app_context():  # AUDIT/DUDIT from home, scored by the server: green, yellow and red
        zones = {(a.username, q.instrument): (q.zone, q.answered_at.date() < datetime.now(UTC).date())
                 for a, q in db.session.execute(select(PatientAccount, Questionnaire).join(
                     Questionnaire, Questionnaire.patient_id == PatientAccount.patient_id).where(
                     Questionnaire.instrument.in_(("audit", "dudit"))))}
        assert zones == {("patient1", "audit"): ("green", True), ("patient1", "dudit"): ("green", True),
                         ("patient2", "audit"): ("yellow", True), ("patient2", "dudit"): ("green", True),
                         ("patient3", "audit"): ("red", True), ("patient3", "dudit"): ("yellow", True)}
        reasons = set(db.session.scalars(select(FollowUp.reason)))
        assert {"audit_II", "audit_IV"} <= reasons
