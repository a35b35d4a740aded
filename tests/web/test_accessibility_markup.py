"""Markup that axe cannot judge: required fields, error summaries, titles, the statement page."""
from lxml import html

from tests.web import pathway_setup as setup


def _doc(response):
    return html.fromstring(response.get_data(as_text=True))


def test_statement_is_public_danish_and_linked_from_every_footer(client):
    response = client.get("/tilgaengelighed")
    assert response.status_code == 200
    doc = _doc(response)
    assert doc.findtext(".//h1") == "Tilgængelighedserklæring for Forløb"
    headings = [h.text_content() for h in doc.iter("h2")]
    for part in ("Overholdelsesstatus", "Indhold, der ikke er tilgængeligt",
                 "Sådan er erklæringen lavet", "Feedback og kontakt", "Klagemulighed"):
        assert part in headings
    assert doc.get_element_by_id("modeler-limits") is not None   # the honest modeler note
    footer = _doc(client.get("/login")).find(".//footer")
    assert footer.find(".//a").get("href") == "/tilgaengelighed"


def test_statement_in_english_and_with_configured_contact(app, client):
    app.config.update(ACCESSIBILITY_CONTACT_EMAIL="tilgaengelighed@example.org",
                      ACCESSIBILITY_CONTACT_PHONE="70 10 20 30")
    client.post("/lang", data={"lang": "en", "next": "/tilgaengelighed"})
    doc = _doc(client.get("/tilgaengelighed"))
    assert doc.findtext(".//h1") == "Accessibility statement for Forløb"
    assert "Compliance status" in [h.text_content() for h in doc.iter("h2")]
    contact = doc.get_element_by_id("contact")
    assert contact.find(".//a[@href='mailto:tilgaengelighed@example.org']") is not None
    assert contact.find(".//a[@href='tel:70102030']") is not None


def test_referral_marks_required_fields_and_explains_the_star(client, auth):
    auth.login("psyk.kbh")
    doc = _doc(client.get("/henvisning"))
    assert "skal udfyldes" in doc.get_element_by_id("required-note").text_content()
    assert doc.findtext(".//title") == "Ny henvisning · Forløb"
    for name in ("cpr", "name", "region", "municipality", "referrer", "received_at"):
        control = doc.get_element_by_id(name)
        assert control.get("required") is not None, name
        label = doc.find(f".//label[@for='{name}']")
        assert "(skal udfyldes)" in label.text_content(), name   # the star is spoken as words
    legend = doc.find(".//div[@data-field='contacts']//legend")
    # no current contact is allowed (group 1), so the contacts are optional and say so
    assert "(skal udfyldes)" not in legend.text_content()
    assert "gruppe 1" in doc.get_element_by_id("contacts-hint").text_content()


def test_failed_referral_has_summary_title_and_described_checkboxes(client, auth):
    auth.login("psyk.kbh")
    response = client.post("/henvisning", data={"cpr": "12", "name": "", "referrer": "",
                                                "contacts": ["psykiatri", "bogus"]})
    assert response.status_code == 400
    doc = _doc(response)
    assert doc.findtext(".//title").startswith("Fejl: ")
    summary = doc.get_element_by_id("error-summary")
    assert summary.get("tabindex") == "-1"
    targets = [a.get("href") for a in summary.iter("a")]
    assert {"#cpr", "#name", "#referrer", "#contacts-0"} <= set(targets)   # bogus contact
    for target in targets:                                     # every link lands on a control
        assert doc.get_element_by_id(target[1:]).tag in ("input", "select", "textarea")
    boxes = doc.findall(".//input[@name='contacts']")
    assert len(boxes) == 2
    for box in boxes:
        assert box.get("aria-invalid") == "true"
        assert box.get("aria-describedby") == "contacts-hint contacts-error"
    assert doc.get_element_by_id("contacts-error").text_content().strip()
    cpr = doc.get_element_by_id("cpr")
    assert cpr.get("aria-describedby") == "cpr-hint cpr-error"


def test_task_form_marks_required_fields_and_summarises_errors(app, client, auth):
    with app.app_context():
        pathway = setup.refer()
        item = setup.item_for(pathway.id, "visitation")
        url, lock = f"/forloeb/{pathway.id}/opgaver/{item.task_id}", pathway.lock_version
    auth.login("psyk.kbh")
    doc = _doc(client.get(url))
    assert doc.get_element_by_id("required-note") is not None
    radios = doc.findall(".//input[@name='visitation_decision']")
    assert radios and all(r.get("required") is not None for r in radios)
    assert doc.find(".//textarea[@name='visitation_note']").get("required") is None  # optional
    assert not doc.findtext(".//title").startswith("Fejl")

    response = client.post(url, data={"action": "complete", "lock_version": lock})
    assert response.status_code == 422
    doc = _doc(response)
    assert doc.findtext(".//title").startswith("Fejl: ")
    links = doc.get_element_by_id("error-summary").findall(".//a")
    assert links, "the summary lists the problems"
    first = doc.get_element_by_id(links[0].get("href")[1:])
    assert first.get("name") == "visitation_decision"          # the link goes to the first radio
    assert "Feltet skal udfyldes." in links[0].text_content()


def test_failed_login_title_starts_with_fejl(client, demo_users):
    assert not _doc(client.get("/login")).findtext(".//title").startswith("Fejl")
    response = client.post("/login", data={"username": "psyk.kbh", "password": "forkert"})
    assert response.status_code == 401
    assert _doc(response).findtext(".//title").startswith("Fejl: ")


def test_failed_acute_form_has_summary_title_and_required_marks(client, auth):
    auth.login("psyk.kbh")
    response = client.post("/akut", data={"cpr": "12", "name": "", "admission_reason": ""})
    assert response.status_code == 400
    doc = _doc(response)
    assert doc.findtext(".//title").startswith("Fejl: ")
    summary = doc.get_element_by_id("error-summary")
    assert summary.get("tabindex") == "-1"                  # a11y.js moves focus here
    links = {a.get("href") for a in summary.iter("a")}
    assert {"#cpr", "#admission_reason"} <= links
    assert "skal udfyldes" in doc.get_element_by_id("required-note").text_content()
    label = doc.find(".//label[@for='admission_reason']")
    assert "(skal udfyldes)" in label.text_content()


def test_statement_names_the_checks_of_the_clinical_and_lead_pages(client):
    doc = _doc(client.get("/tilgaengelighed"))
    method = doc.get_element_by_id("method").text_content()
    for part in ("320", "akut", "statusside", "tabel"):
        assert part in method.lower(), part
