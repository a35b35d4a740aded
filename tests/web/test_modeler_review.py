"""Reviews in the owner's language: Danish kinds and labels, decision rows by their inputs, word diffs."""
import json

from sqlalchemy import select

from engine.models import DefinitionVersion
from tests.web.pathway_setup import ensure_deployed
from webui.extensions import db

RULE_12 = '<outputEntry id="rule_12_date"><text>"2026-07-01"</text>'


def _current(app):
    with app.app_context():
        ensure_deployed()
        version = db.session.scalars(select(DefinitionVersion).where(
            DefinitionVersion.status == "current")).one()
        return version.id, dict(version.files)


def test_the_review_page_reads_like_the_owner_talks(auth, client, app):
    base, files = _current(app)
    schema = json.loads(files["forms/visitation.json"])
    purpose = schema["x-forlob"]["sections"]["purpose"]
    schema["x-forlob"]["sections"]["purpose"] = purpose.replace("inden for garantifristen",
                                                                "inden for 14 dage")
    for component in schema["components"]:
        component["layout"] = {"row": "Row_0rgjrsm"}  # moved only: no change
    field = next(c for c in schema["components"] if c.get("key") == "visitation_decision")
    field["label"] = "Visitationens udfald"
    changed = {"forms/visitation.json": json.dumps(schema, ensure_ascii=False, indent=2),
               "phase_in.dmn": files["phase_in.dmn"].replace(
                   RULE_12, '<outputEntry id="rule_12_date"><text>"2027-01-04"</text>')}
    auth.login("ejer")
    response = client.post("/modeler/api/propose", json={"base_version": base, "files": changed,
                                                          "note": "Sjælland gruppe 3 tidligere"})
    assert response.status_code == 201, response.get_json()
    page = client.get(f"/modeler/versions/{response.get_json()['version']}").get_data(as_text=True)
    # the decision row by its inputs, its dates in Danish
    assert "Region Sjælland, patientgruppe 3" in page
    assert "1. jul. 2026" in page and "4. jan. 2027" in page
    assert "<code>rule_12</code>" not in page
    # kinds and changes in Danish
    for word in ("Regel", "Felt", "Formular", "ændret"):
        assert f">{word}<" in page or f">{word}" in page, word
    assert ">rule<" not in page and ">field<" not in page
    # the field by its label, the guidance section by name, the sentence as a word diff
    assert "Visitationens udfald" in page and "Vejledning: Formål" in page
    assert "<del>garantifristen.</del>" in page and "<ins>14 dage.</ins>" in page
    # no JSON blobs, no layout
    assert "Row_0rgjrsm" not in page and '{&#34;' not in page and '{"' not in page
    compare = client.get(f"/modeler/compare?from={base}&to={response.get_json()['version']}")
    assert "Region Sjælland, patientgruppe 3" in compare.get_data(as_text=True)
