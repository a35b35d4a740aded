"""engine.definitions.diff: what changed between two bundles, per element, flow, lane, rule, form and field."""
import json
from pathlib import Path

from engine.definitions.diff import diff_bundles
from engine.definitions.versions import read_source

SOURCE = {n: d.decode("utf-8") for n, d in
          read_source(Path(__file__).resolve().parents[2] / "bpmn").items()}


def changed(**replacements):
    files = dict(SOURCE)
    for name, (old, new) in replacements.items():
        name = name.replace("__", "/").replace("_dot_", ".")
        assert old in files[name], (name, old)
        files[name] = files[name].replace(old, new, 1)
    return files


def test_identical_bundles_have_no_differences():
    assert diff_bundles(SOURCE, dict(SOURCE)) == []


def test_a_phase_in_date_is_a_changed_rule_with_old_and_new_value():
    files = changed(phase_in_dot_dmn=('<text>"2024-09-01"</text>', '<text>"2024-10-01"</text>'))
    [change] = diff_bundles(SOURCE, files)
    assert (change["file"], change["kind"], change["id"], change["change"]) == \
        ("phase_in.dmn", "rule", "rule_1", "changed")
    [(key, old)] = change["old"].items()
    assert key.startswith("→") and old == '"2024-09-01"' and change["new"][key] == '"2024-10-01"'


def test_moving_a_task_to_another_lane_changes_both_lanes():
    files = changed(stabil_dot_bpmn=(
        "<bpmn:flowNodeRef>stabil_municipal</bpmn:flowNodeRef>", ""))
    files["stabil.bpmn"] = files["stabil.bpmn"].replace(
        "<bpmn:flowNodeRef>stabil_activity</bpmn:flowNodeRef>",
        "<bpmn:flowNodeRef>stabil_activity</bpmn:flowNodeRef>"
        "<bpmn:flowNodeRef>stabil_municipal</bpmn:flowNodeRef>", 1)
    lanes = {c["id"]: c for c in diff_bundles(SOURCE, files) if c["kind"] == "lane"}
    assert set(lanes) == {"Lane_stabil_psykiatri", "Lane_stabil_kommune"}
    assert "stabil_municipal" in lanes["Lane_stabil_psykiatri"]["new"]["tasks"]
    assert "stabil_municipal" in lanes["Lane_stabil_kommune"]["old"]["tasks"]


def test_a_removed_flow_and_a_changed_form_field():
    flow = next(line for line in SOURCE["overgang.bpmn"].splitlines()
                if "<bpmn:sequenceFlow" in line and "conditionExpression" not in line)
    files = changed(overgang_dot_bpmn=(flow, ""))
    schema = json.loads(SOURCE["forms/audit.json"])
    schema["x-forlob"]["title"] = "Ny titel"
    files["forms/audit.json"] = json.dumps(schema, ensure_ascii=False)
    changes = diff_bundles(SOURCE, files)
    assert any(c["kind"] == "flow" and c["change"] == "removed" for c in changes)
    form = next(c for c in changes if c["kind"] == "form")
    assert form["id"] == "audit" and form["new"]["x-forlob.title"] == "Ny titel"


def test_added_and_removed_files():
    files = dict(SOURCE)
    del files["forms/dudit.json"]
    files["forms/ny_formular.json"] = SOURCE["forms/audit.json"]
    summary = {(c["file"], c["kind"], c["change"]) for c in diff_bundles(SOURCE, files)
               if c["kind"] == "form"}
    assert summary == {("forms/dudit.json", "form", "removed"),
                       ("forms/ny_formular.json", "form", "added")}


def test_a_rule_is_known_by_its_inputs():
    files = changed(phase_in_dot_dmn=('<inputEntry id="rule_12_group"><text>3</text></inputEntry>\n'
                                      '        <outputEntry id="rule_12_date"><text>"2026-07-01"</text>',
                                      '<inputEntry id="rule_12_group"><text>3</text></inputEntry>\n'
                                      '        <outputEntry id="rule_12_date"><text>"2027-01-04"</text>'))
    [change] = diff_bundles(SOURCE, files)
    assert change["id"] == "rule_12" and change["inputs"] == [["Region", '"sjaelland"'], ["Patientgruppe", "3"]]
    assert change["new"] == {"→ Indfaset fra": '"2027-01-04"'}


def test_moving_a_field_is_no_change_and_labels_come_from_form_js():
    schema = json.loads(SOURCE["forms/visitation.json"])
    for component in schema["components"]:
        component["layout"] = {"row": "Row_0rgjrsm", "columns": 8}
    schema["components"].append({"type": "datetime", "id": "Field_d", "key": "naeste_opfoelgning",
                                 "subtype": "date", "dateLabel": "Næste opfølgning",
                                 "layout": {"row": "Row_x"}})
    files = dict(SOURCE, **{"forms/visitation.json": json.dumps(schema, ensure_ascii=False)})
    [added] = diff_bundles(SOURCE, files)
    assert (added["kind"], added["change"], added["name"]) == ("field", "added", "Næste opfølgning")
    assert "layout" not in added["new"] and "layout.row" not in added["new"]
    moved = json.loads(SOURCE["forms/visitation.json"])
    moved["components"][0]["layout"] = {"row": "Row_0rgjrsm"}
    only_layout = diff_bundles(SOURCE, dict(SOURCE, **{"forms/visitation.json": json.dumps(moved)}))
    assert [(c["kind"], c.get("layout_only")) for c in only_layout] == [("file", True)]


def test_a_one_sentence_guidance_change_is_a_word_diff_of_that_section():
    schema = json.loads(SOURCE["forms/visitation.json"])
    old = schema["x-forlob"]["sections"]["purpose"]
    schema["x-forlob"]["sections"]["purpose"] = old.replace("inden for garantifristen", "inden for 14 dage")
    files = dict(SOURCE, **{"forms/visitation.json": json.dumps(schema, ensure_ascii=False)})
    [change] = diff_bundles(SOURCE, files)
    assert change["kind"] == "form" and list(change["new"]) == ["x-forlob.sections.purpose"]
    words = change["words"]["x-forlob.sections.purpose"]
    assert [w for w in words if w[0] != "same"] == [["del", "garantifristen."], ["ins", "14 dage."]]
    assert "".join(t for op, t in words if op != "del") == schema["x-forlob"]["sections"]["purpose"]
    assert "{" not in change["old"]["x-forlob.sections.purpose"]  # text, not a JSON blob


def test_option_lists_read_as_labels():
    schema = json.loads(SOURCE["forms/visitation.json"])
    field = next(c for c in schema["components"] if c.get("key") == "visitation_decision")
    field["values"].append({"label": "Sat på venteliste", "value": "venteliste"})
    files = dict(SOURCE, **{"forms/visitation.json": json.dumps(schema, ensure_ascii=False)})
    [change] = diff_bundles(SOURCE, files)
    assert change["id"] == "visitation_decision" and change["new"]["values"].endswith(
        "; Sat på venteliste (venteliste)")
