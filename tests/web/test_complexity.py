"""Complexity tier: set at the overview consultation, revisited later; the intensity follows it."""
from engine.models import Pathway
from tests.web import pathway_setup as setup
from tests.web.aging import OPSTART_TOOLS, form_post
from webui.extensions import db

HIGH = {"phase_decision": "ustabil", "complexity_tier": "hoej",
        "complexity_factors": ["bolig", "flere_rusmidler", "somatisk"],
        "complexity_reason": "Hjemløs, injicerer, ubehandlet hepatitis C"}


def _to_ustabil_with(app, consultation):
    with app.app_context():
        pathway = setup.to_opstart()
        for form_id in OPSTART_TOOLS:
            setup.complete(pathway.id, form_id)
        setup.complete(pathway.id, "opstart_vurdering", consultation, actor="tovholder.kbh")
        return pathway.id, pathway.patient_id


def _reassess(app, pathway_id, answers):
    with app.app_context():
        setup.complete(pathway_id, "ustabil_vurdering", {"phase_decision": "ustabil", **answers},
                       actor="tovholder.kbh")
        return db.session.get(Pathway, pathway_id).complexity_tier


def _card(client, patient_id):
    return client.get(f"/patienter/{patient_id}").get_data(as_text=True).split('id="complexity"')[1] \
        .split("</section>")[0]


def test_high_complexity_raises_the_intensity_and_a_lower_tier_lowers_it(app, client, auth):
    pathway_id, patient_id = _to_ustabil_with(app, HIGH)
    with app.app_context():
        assert db.session.get(Pathway, pathway_id).complexity_tier == "hoej"
    auth.login("tovholder.kbh")
    card = _card(client, patient_id)
    assert 'data-tier="hoej"' in card and 'data-offer="individuel"' in card
    assert 'id="intensity-conference" data-weeks="4"' in card and "hver 4. uge" in card
    assert "Hjemløs, injicerer" in card

    # the yearly overview consultation (part of a phase reassessment) finds the patient stable
    assert _reassess(app, pathway_id, {"complexity_tier": "lav",
                                       "complexity_reason": "Bolig og behandling på plads"}) == "lav"
    card = _card(client, patient_id)
    assert 'data-offer="basis"' in card and 'id="intensity-conference" data-weeks="26"' in card
    history = card.split('class="tier-history"')[1]
    assert history.index('data-tier="lav"') < history.index('data-tier="hoej"')  # newest first

    # a reassessment that leaves the consultation part blank keeps the tier
    assert _reassess(app, pathway_id, {"complexity_tier": None, "complexity_reason": None}) == "lav"


def test_the_tier_shows_on_the_caseload_and_filters_it(app, client, auth):
    _to_ustabil_with(app, HIGH)
    with app.app_context():
        other = setup.to_opstart(cpr="0202802468", name="Lone Lav")
        for form_id in OPSTART_TOOLS:
            setup.complete(other.id, form_id)
        setup.complete(other.id, "opstart_vurdering", {**HIGH, "complexity_tier": "lav"},
                       actor="tovholder.kbh")
    auth.login("tovholder.kbh")
    page = client.get("/mine-patienter").get_data(as_text=True)
    assert 'data-tier="hoej">Høj kompleksitet' in page and 'data-tier="lav">Lav kompleksitet' in page
    high = client.get("/mine-patienter?kompleksitet=hoej").get_data(as_text=True)
    assert "Bent Testesen" in high and "Lone Lav" not in high
    assert "Lone Lav" in client.get("/mine-patienter?kompleksitet=lav").get_data(as_text=True)
    assert "Lone Lav" in client.get("/mine-patienter?kompleksitet=nonsens").get_data(as_text=True)


def test_the_overview_consultation_requires_a_tier_and_a_reason(app, client, auth):
    with app.app_context():
        pathway = setup.to_opstart()
        for form_id in OPSTART_TOOLS:
            setup.complete(pathway.id, form_id)
        item = setup.item_for(pathway.id, "opstart_vurdering")
        url = f"/forloeb/{pathway.id}/opgaver/{item.task_id}"
        lock = db.session.get(Pathway, pathway.id).lock_version
    auth.login("tovholder.kbh")
    data = form_post("opstart_vurdering", lock, HIGH)
    del data["complexity_tier"]
    data["complexity_reason"] = ""
    response = client.post(url, data=data)
    assert response.status_code == 422
    with app.app_context():
        assert db.session.get(Pathway, pathway.id).complexity_tier is None


def test_the_leads_overview_filters_by_tier(app, client, auth):
    with app.app_context():
        for i in range(5):
            pathway = setup.refer(cpr=f"01019012{i}5", name=f"Test {i}", contacts=("psykiatri",))
            # the projection sets the column (tested above); here only the filter is tested
            db.session.get(Pathway, pathway.id).complexity_tier = "hoej"
        db.session.commit()
    auth.login("leder")

    def referred(query):
        page = client.get(f"/overblik/{query}").get_data(as_text=True)
        row = page.split('data-org="region-hovedstaden" data-group="1">', 1)[1].split("</tr>")[0]
        return row.split('data-col="referred">', 1)[1].split("</td>")[0].strip()
    assert referred("") == "5" and referred("?kompleksitet=hoej") == "5"
    assert referred("?kompleksitet=lav") == "0"
    assert client.get("/overblik/?kompleksitet=ekstrem").status_code == 400
    assert client.get("/overblik/kvalitet?kompleksitet=hoej").status_code == 200
