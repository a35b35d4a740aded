"""Access matrix: role × organisation × page → allowed or forbidden (404 hides patients)."""
import pytest

from engine import service
from tests.web import pathway_setup as setup
from webui.extensions import db
from webui.models import User

OK, FORBIDDEN, HIDDEN = 200, 403, 404

# user → (organisation, roles); psyk.sjl is added to the demo users for this test
USERS = ["psyk.kbh", "tovholder.kbh", "rus.kbh", "rus.frb", "psyk.sjl", "ejer", "leder", "admin"]

# page → expected status per user, for a patient of København in Opstart
MATRIX = {
    "worklist":   dict.fromkeys(USERS, OK),
    "refer":      {**dict.fromkeys(USERS, OK), "ejer": FORBIDDEN, "leder": FORBIDDEN, "admin": FORBIDDEN},
    "patient":    {"psyk.kbh": OK, "tovholder.kbh": OK, "rus.kbh": OK, "rus.frb": HIDDEN,
                   "psyk.sjl": HIDDEN, "ejer": FORBIDDEN, "leder": FORBIDDEN, "admin": FORBIDDEN},
    "audit_page": {"psyk.kbh": OK, "tovholder.kbh": OK, "rus.kbh": OK, "rus.frb": HIDDEN,
                   "psyk.sjl": HIDDEN, "ejer": FORBIDDEN, "leder": FORBIDDEN, "admin": FORBIDDEN},
    "record":     {"psyk.kbh": OK, "tovholder.kbh": OK, "rus.kbh": OK, "rus.frb": HIDDEN,
                   "psyk.sjl": HIDDEN, "ejer": FORBIDDEN, "leder": FORBIDDEN, "admin": FORBIDDEN},
    "diagram":    {"psyk.kbh": OK, "tovholder.kbh": OK, "rus.kbh": OK, "rus.frb": HIDDEN,
                   "psyk.sjl": HIDDEN, "ejer": FORBIDDEN, "leder": FORBIDDEN, "admin": FORBIDDEN},
    "save_audit": {"psyk.kbh": 302, "tovholder.kbh": 302, "rus.kbh": FORBIDDEN, "rus.frb": HIDDEN,
                   "psyk.sjl": HIDDEN, "ejer": FORBIDDEN, "leder": FORBIDDEN, "admin": FORBIDDEN},
    "claim_audit": {"psyk.kbh": 302, "tovholder.kbh": 302, "rus.kbh": HIDDEN, "rus.frb": HIDDEN,
                    "psyk.sjl": HIDDEN, "ejer": FORBIDDEN, "leder": FORBIDDEN, "admin": FORBIDDEN},
    "admin_audit": {**dict.fromkeys(USERS, FORBIDDEN), "admin": OK},
    # acute presentations are psychiatry's (a regional clinician of a region)
    "acute":      {**dict.fromkeys(USERS, FORBIDDEN), "psyk.kbh": OK, "tovholder.kbh": OK,
                   "psyk.sjl": OK},
    "notices":    {**dict.fromkeys(USERS, OK), "ejer": FORBIDDEN, "leder": FORBIDDEN,
                   "admin": FORBIDDEN},
    "caseload":   {**dict.fromkeys(USERS, OK), "ejer": FORBIDDEN, "leder": FORBIDDEN,
                   "admin": FORBIDDEN},
    # last: it moves the patient on. Only the home region's psychiatry may admit.
    "admit":      {"psyk.kbh": 302, "tovholder.kbh": 302, "rus.kbh": FORBIDDEN, "rus.frb": HIDDEN,
                   "psyk.sjl": HIDDEN, "ejer": FORBIDDEN, "leder": FORBIDDEN, "admin": FORBIDDEN},
    "admin_users": {**dict.fromkeys(USERS, FORBIDDEN), "admin": OK},
    "admin_markers": {**dict.fromkeys(USERS, FORBIDDEN), "admin": OK},
    "admin_markers_csv": {**dict.fromkeys(USERS, FORBIDDEN), "admin": OK},
    "admin_unmatched": {**dict.fromkeys(USERS, FORBIDDEN), "admin": OK},
}


@pytest.fixture
def world(app, demo_users):
    """A København patient in Opstart, and a regional clinician of another region."""
    with app.app_context():
        user = User(username="psyk.sjl", full_name="Sune Sjælland",
                    organisation_code="region-sjaelland", roles_csv="regional_clinician")
        user.set_password("demo1234")
        db.session.add(user)
        db.session.commit()
        pathway = setup.to_opstart()
        audit_item = setup.item_for(pathway.id, "audit")
        record = next(r for r in service.history(db.session, pathway.id) if r.form_id == "visitation")
        return {"patient": pathway.patient_id, "pathway": pathway.id,
                "task": audit_item.task_id, "item": audit_item.id, "record": record.id}


def request_page(client, page, w):
    """Make the request a page stands for; return the response."""
    pages = {
        "worklist": lambda: client.get("/"),
        "refer": lambda: client.get("/henvisning"),
        "patient": lambda: client.get(f"/patienter/{w['patient']}"),
        "audit_page": lambda: client.get(f"/forloeb/{w['pathway']}/opgaver/{w['task']}"),
        "record": lambda: client.get(f"/forloeb/{w['pathway']}/historik/{w['record']}"),
        "diagram": lambda: client.get(f"/forloeb/{w['pathway']}/diagram"),
        "save_audit": lambda: client.post(f"/forloeb/{w['pathway']}/opgaver/{w['task']}",
                                          data={"action": "draft", "audit_1": "2"}),
        "claim_audit": lambda: client.post(f"/worklist/{w['item']}/claim"),
        "admin_audit": lambda: client.get("/admin/audit"),
        "admin_users": lambda: client.get("/admin/users"),
        "admin_markers": lambda: client.get("/admin/markoerer"),
        "admin_markers_csv": lambda: client.get("/admin/markoerer.csv"),
        "admin_unmatched": lambda: client.get("/admin/sygehusadviser"),
        "acute": lambda: client.get("/akut"),
        "notices": lambda: client.get("/meddelelser/"),
        "caseload": lambda: client.get("/mine-patienter"),
        "admit": lambda: client.post(f"/forloeb/{w['pathway']}/indlaeggelse",
                                     data={"admission_reason": "andet"}),
    }
    return pages[page]()


@pytest.mark.parametrize("user", USERS)
def test_access(client, auth, world, user):
    """One row of the matrix per user: every page answers as the table says."""
    auth.login(user)
    expected = {page: row[user] for page, row in MATRIX.items()}
    actual = {}
    for page in MATRIX:
        response = request_page(client, page, world)
        actual[page] = response.status_code
        if response.status_code in (HIDDEN, FORBIDDEN):
            assert "Bent Testesen" not in response.get_data(as_text=True), page
    assert actual == expected


def test_worklist_of_another_municipality_shows_nothing_of_the_patient(client, auth, world):
    auth.login("rus.frb")
    assert "Bent Testesen" not in client.get("/").get_data(as_text=True)
    auth.logout()
    auth.login("rus.kbh")
    assert "Bent Testesen" in client.get("/").get_data(as_text=True)
