"""Routing by competence: a BPMN task names the competence it needs; the worklist filters by it."""
from sqlalchemy import select

from engine.models import WorklistItem
from tests.web import aging
from tests.web import pathway_setup as setup
from webui.extensions import db
from webui.models import User


def test_tasks_carry_the_competence_their_bpmn_property_names(app):
    with app.app_context():
        pathway = setup.to_opstart()
        needs = dict(db.session.execute(select(WorklistItem.task_spec, WorklistItem.competence)
                                        .where(WorklistItem.pathway_id == pathway.id)).all())
    assert needs["opstart_medicine"] == "pharmacology"
    assert needs["opstart_audit"] is None


def test_the_worklist_shows_tasks_i_have_the_competence_for(app, client, auth):
    with app.app_context():
        setup.to_opstart()
        pia = db.session.scalar(select(User.id).filter_by(username="psyk.kbh"))
    auth.login("psyk.kbh")
    everything = client.get("/").get_data(as_text=True)
    assert "Medicingennemgang" in everything and 'data-competence="pharmacology"' in everything
    competent = client.get("/?competent=1").get_data(as_text=True)
    assert "Medicingennemgang" not in competent   # needs pharmacology, which Pia lacks
    assert "AUDIT (alkohol)" in competent          # needs no particular competence
    auth.logout()
    auth.login("admin")
    client.post(f"/kompetencer/medarbejder/{pia}/kompetence", data={
        "method": "pharmacology", "level": "trained", "certified_on": "2024-02-01"})
    auth.logout()
    auth.login("psyk.kbh")
    assert "Medicingennemgang" in client.get("/?competent=1").get_data(as_text=True)


def test_a_task_suggests_colleagues_with_the_competence_and_gaps_are_flagged_to_the_lead(app, client, auth):
    with app.app_context():
        pathway = setup.to_opstart()
        item = setup.item_for(pathway.id, "medicingennemgang")
        url = f"/forloeb/{pathway.id}/opgaver/{item.task_id}"
        tove = db.session.scalar(select(User.id).filter_by(username="tovholder.kbh"))
    auth.login("leder")
    unit = client.get("/kompetencer/enhed/region-hovedstaden").get_data(as_text=True)
    flagged = unit.split('id="uncovered"')[1].split("</section>")[0]
    assert 'data-method="pharmacology"' in flagged and "1 åben opgave" in flagged
    auth.logout()
    auth.login("psyk.kbh")
    need = client.get(url).get_data(as_text=True).split('id="competence-need"')[1].split("</p>")[0]
    assert "Farmakologisk behandling" in need and "Ingen kolleger" in need
    auth.logout()
    auth.login("admin")
    client.post(f"/kompetencer/medarbejder/{tove}/kompetence", data={
        "method": "pharmacology", "level": "certified", "certified_on": "2024-02-01"})
    assert 'id="uncovered"' not in client.get("/kompetencer/enhed/region-hovedstaden").get_data(
        as_text=True)
    auth.logout()
    auth.login("psyk.kbh")
    need = client.get(url).get_data(as_text=True).split('id="competence-need"')[1].split("</p>")[0]
    assert 'data-user="tovholder.kbh"' in need


def _need_row(client, method):
    table = client.get("/kompetencer/enhed/region-hovedstaden").get_data(as_text=True) \
        .split('id="need"')[1].split("</table>")[0]
    return table.split(f'data-method="{method}"')[1].split("</tr>")[0]


def test_need_against_coverage_counts_patients_in_dat_and_kat_phases_against_certified_staff(
        app, client, auth):
    with app.app_context():
        first = aging.to_ustabil()                                    # Ustabil: activity needs DAT
        aging.to_ustabil(cpr="0202802468", name="Lone Anden")
        setup.complete(first.id, "ustabil_vurdering", {"phase_decision": "stabil"},
                       actor="tovholder.kbh")                          # Stabil: activity needs KAT
        needs = set(db.session.scalars(select(WorklistItem.competence).where(
            WorklistItem.pathway_id == first.id)))
        assert "kat" in needs and "dat" not in needs
        tove = db.session.scalar(select(User.id).filter_by(username="tovholder.kbh"))
        pia = db.session.scalar(select(User.id).filter_by(username="psyk.kbh"))
    auth.login("leder")
    dat = _need_row(client, "dat")
    assert 'data-col="patients">1<' in dat and 'data-col="certified">0<' in dat and "Ingen certificerede" in dat
    assert 'data-col="patients">1<' in _need_row(client, "kat")
    auth.logout()
    auth.login("admin")
    for user_id, level in ((tove, "certified"), (pia, "trained")):  # only certified staff cover
        client.post(f"/kompetencer/medarbejder/{user_id}/kompetence", data={
            "method": "dat", "level": level, "certified_on": "2024-02-01"})
    dat = _need_row(client, "dat")
    assert 'data-col="certified">1<' in dat and 'data-col="per_staff">1.0<' in dat
    assert "Ingen certificerede" not in dat
