"""Form definitions load, and the server-side validation accepts good data and refuses bad data."""
import copy
import json

import pytest
from werkzeug.datastructures import MultiDict

from forms.registry import SECTION_KEYS, UnknownForm, check_schema, field_label, form_ids, load_form, parse_form
from forms.validation import FormInvalid, from_multidict, validate
from tests.fixtures.form_fields import EVERY_PALETTE_ANSWER, EVERY_PALETTE_FIELD

PHASE_FORMS = ["henvisning", "visitation", "indskrivning", "opstart_vurdering", "ustabil_aktivitet",
               "ustabil_vurdering", "stabil_aktivitet", "stabil_vurdering", "overgang_vurdering",
               "overdragelse", "indlagt_henvendelse", "indlagt_diagnostik", "indlagt_behandling",
               "indlagt_udskrivelse"]
TOOL_FORMS = ["audit", "dudit", "selvmordsrisiko", "medicingennemgang", "koordineret_plan", "skadesreduktion",
              "patient_oplevelse"]


def valid_value(c):
    """A value that a well-behaved browser would send for the component."""
    kind = c["type"]
    if kind in ("radio", "select"):
        return c["values"][0]["value"]
    if kind == "checklist":
        return [o["value"] for o in c["values"]]
    if kind == "checkbox":
        return True
    if kind == "datetime":
        return "2025-09-01"
    if kind == "number":
        return c.get("validate", {}).get("min", 0)
    pattern_examples = {"tovholder": "anne.tovholder", "tovholder_org": "region-hovedstaden",
                        "municipality": "koebenhavn"}
    return pattern_examples.get(c["key"], "Tekst skrevet af klinikeren.")


def valid_data(form_id):
    """Complete valid submission for a form."""
    return {c["key"]: valid_value(c) for c in load_form(form_id).fields}


def test_every_definition_loads_and_is_listed():
    assert set(PHASE_FORMS + TOOL_FORMS) <= set(form_ids())
    for form_id in form_ids():
        definition = load_form(form_id)
        assert definition.id == form_id and definition.fields


@pytest.mark.parametrize("form_id", PHASE_FORMS)
def test_phase_forms_show_five_parts_and_draft_notice(form_id):
    definition = load_form(form_id)
    texts = " ".join(c.get("text", "") for c in definition.schema["components"] if c["type"] == "text")
    assert set(definition.meta["sections"]) == set(SECTION_KEYS)
    for heading in ("Kriterier", "Formål", "Patientens oplevelse og behov", "Aktiviteter",
                    "Standarder, værktøjer og retningslinjer"):
        assert heading in texts
    assert "UDKAST TIL KLINISK GENNEMGANG" in texts
    assert definition.meta["sources"], "a phase form names its sources"


@pytest.mark.parametrize("form_id", TOOL_FORMS)
def test_tool_forms_carry_draft_notice_and_sources(form_id):
    definition = load_form(form_id)
    assert definition.meta["kind"] == "tool"
    assert "UDKAST" in definition.schema["components"][1]["text"]
    assert definition.meta["sources"]


@pytest.mark.parametrize("form_id", PHASE_FORMS + TOOL_FORMS)
def test_valid_data_passes(form_id):
    cleaned = validate(form_id, valid_data(form_id))
    assert set(c["key"] for c in load_form(form_id).fields) <= set(cleaned)


@pytest.mark.parametrize("form_id", PHASE_FORMS + TOOL_FORMS)
def test_missing_required_fields_each_get_an_error(form_id):
    required = [c["key"] for c in load_form(form_id).fields if c.get("validate", {}).get("required")]
    assert required, "every form asks for something"
    with pytest.raises(FormInvalid) as err:
        validate(form_id, {})
    assert set(required) <= set(err.value.errors)
    assert all(msgs == ["Feltet skal udfyldes."] for k, msgs in err.value.errors.items() if k in required)


def test_empty_strings_count_as_missing():
    data = valid_data("indskrivning") | {"tovholder": "", "tovholder_org": None}
    with pytest.raises(FormInvalid) as err:
        validate("indskrivning", data)
    assert set(err.value.errors) == {"tovholder", "tovholder_org"}


def test_every_bad_field_is_reported_at_once():
    bad = valid_data("ustabil_aktivitet") | {
        "activity_type": "fest",                 # unknown option
        "activity_date": "2025-13-40",           # not a date
        "duration_minutes": 721,                 # out of range
        "activities_done": ["samtale", "hack"],  # unknown option inside a list
        "activity_note": "x" * 4001,             # oversized text
    }
    with pytest.raises(FormInvalid) as err:
        validate("ustabil_aktivitet", bad)
    assert err.value.errors == {
        "activity_type": ["Ukendt valgmulighed."],
        "activity_date": ["Skal være en dato (ÅÅÅÅ-MM-DD)."],
        "duration_minutes": ["Værdien skal være mellem 1 og 720."],
        "activities_done": ["Ukendt valgmulighed."],
        "activity_note": ["Teksten må højst være 4000 tegn."],
    }


@pytest.mark.parametrize("key,value,message", [
    ("duration_minutes", "tres", "Skal være et tal."),
    ("duration_minutes", True, "Skal være et tal."),
    ("duration_minutes", 12.5, "Skal være et helt tal."),
    ("duration_minutes", float("nan"), "Skal være et tal."),
    ("duration_minutes", -1, "Værdien skal være mellem 1 og 720."),
    ("activity_note", 42, "Skal være tekst."),
    ("activity_type", ["behandlingssamtale"], "Ukendt valgmulighed."),
    ("activities_done", "samtale", "Skal være en liste af valgmuligheder."),
    ("activities_done", ["samtale", "samtale"], "Samme valgmulighed er valgt flere gange."),
    ("activity_date", 20250901, "Skal være en dato (ÅÅÅÅ-MM-DD)."),
])
def test_wrong_types_are_rejected(key, value, message):
    with pytest.raises(FormInvalid) as err:
        validate("ustabil_aktivitet", valid_data("ustabil_aktivitet") | {key: value})
    assert err.value.errors == {key: [message]}


def test_numbers_from_html_text_are_accepted():
    cleaned = validate("ustabil_aktivitet", valid_data("ustabil_aktivitet") | {"duration_minutes": "45"})
    assert cleaned["duration_minutes"] == 45


def test_unknown_keys_are_dropped_and_not_trusted():
    cleaned = validate("skadesreduktion", valid_data("skadesreduktion") | {"next_stage": "overgang",
                                                                           "csrf_token": "abc"})
    assert "next_stage" not in cleaned and "csrf_token" not in cleaned


def test_non_object_payload_is_refused():
    with pytest.raises(FormInvalid) as err:
        validate("audit", ["audit_1"])
    assert list(err.value.errors) == ["_form"]


def test_unknown_form_ids_are_refused():
    for bad in ("nope", "../../etc/passwd", "", None):
        with pytest.raises(UnknownForm):
            load_form(bad)


def test_required_checkbox_must_be_ticked():
    with pytest.raises(FormInvalid) as err:
        validate("indskrivning", valid_data("indskrivning") | {"informed": False})
    assert err.value.errors == {"informed": ["Skal være afkrydset."]}


def test_pattern_fields_refuse_malformed_codes():
    with pytest.raises(FormInvalid) as err:
        validate("indskrivning", valid_data("indskrivning") | {"tovholder_org": "hospital-x"})
    assert err.value.errors == {"tovholder_org": ["Værdien har ikke det rigtige format."]}


def test_exclusion_needs_a_reason():
    data = {"visitation_decision": "afvist", "inclusion_criteria": ["mistanke_rus"]}
    with pytest.raises(FormInvalid) as err:
        validate("visitation", data)
    assert err.value.errors == {"exclusion_reason": ["Angiv en begrundelse, når henvisningen afvises."]}
    cleaned = validate("visitation", data | {"exclusion_reason": "ingen_mistanke_psykisk"})
    assert cleaned["exclusion_reason"] == "ingen_mistanke_psykisk"


def test_inclusion_needs_suspicion_of_both_but_no_diagnosis():
    with pytest.raises(FormInvalid) as err:
        validate("visitation", {"visitation_decision": "inkluderet", "inclusion_criteria": ["mistanke_psykisk"]})
    assert list(err.value.errors) == ["inclusion_criteria"]
    cleaned = validate("visitation", {"visitation_decision": "inkluderet",
                                      "inclusion_criteria": ["mistanke_psykisk", "mistanke_rus"]})
    assert cleaned["exclusion_reason"] is None and cleaned["visitation_note"] is None


def test_suicide_risk_high_needs_actions():
    data = valid_data("selvmordsrisiko") | {"suicide_risk_level": "hoej", "actions": ""}
    with pytest.raises(FormInvalid) as err:
        validate("selvmordsrisiko", data)
    assert list(err.value.errors) == ["actions"]


def test_optional_fields_get_defaults_so_old_answers_are_overwritten():
    cleaned = validate("stabil_vurdering", {"phase_decision": "stabil"})
    assert cleaned == {"criteria_met": [], "patient_view": None, "phase_decision": "stabil",
                       "assessment_note": None, "complexity_factors": [], "complexity_tier": None,
                       "complexity_reason": None}


def test_from_multidict_shapes_an_html_post():
    post = MultiDict([("activity_type", "netvaerksmoede"), ("activity_date", "2025-10-01"),
                      ("activities_done", "netvaerk"), ("activities_done", "plan"), ("duration_minutes", "90"),
                      ("contact_form", "udgaaende")])
    cleaned = validate("stabil_aktivitet", from_multidict("stabil_aktivitet", post))
    assert cleaned["activities_done"] == ["netvaerk", "plan"] and cleaned["duration_minutes"] == 90
    assert cleaned["contact_form"] == "udgaaende"
    raw = from_multidict("indskrivning", MultiDict([("informed", "on")]))
    assert raw["informed"] is True and raw["needs_case_manager"] is False


def test_check_schema_finds_malformed_definitions():
    good = copy.deepcopy(load_form("ustabil_aktivitet").schema)
    assert check_schema("ustabil_aktivitet", good) == []
    bad = copy.deepcopy(good)
    bad["id"] = "other"
    bad["components"].append({"type": "slider", "key": "x"})
    bad["components"].append(dict(bad["components"][-2]))  # duplicate key
    bad["components"].append({"type": "select", "key": "empty_select", "label": "Tom", "values": []})
    del bad["x-forlob"]["sections"]["tools"]
    problems = check_schema("ustabil_aktivitet", bad)
    assert any("passer ikke til filnavnet" in p for p in problems)
    assert any("ukendt felttype 'slider'" in p for p in problems)
    assert any("findes flere gange" in p for p in problems)
    assert any("empty_select" in p for p in problems)
    assert any("sections" in p for p in problems)
    assert check_schema("x", []) == ["filen skal indeholde et JSON-objekt"]


def test_every_field_type_of_the_palette_passes_and_validates():
    schema = copy.deepcopy(load_form("ustabil_aktivitet").schema)
    schema["components"] += copy.deepcopy(EVERY_PALETTE_FIELD)
    assert check_schema("ustabil_aktivitet", schema) == []
    definition = parse_form("ustabil_aktivitet", json.dumps(schema))
    assert field_label(definition.field_map["naeste_opfoelgning"]) == "Næste opfølgning"
    assert field_label(definition.field_map["datetime_tid"]) == "Klokkeslæt"
    assert field_label(definition.field_map["datetime_begge"]) == "Mødedato"
    own = {c["key"]: valid_value(c) for c in load_form("ustabil_aktivitet").fields}
    raw = {**own, **from_multidict(definition, MultiDict([
        (k, v) for k, vs in EVERY_PALETTE_ANSWER.items() for v in (vs if isinstance(vs, list) else [vs])]))}
    cleaned = validate(definition, raw)
    assert cleaned["naeste_opfoelgning"] == "2027-01-04"
    assert cleaned["datetime_tid"] == "09:30:00" and cleaned["datetime_begge"] == "2027-01-04T09:30:00"
    assert cleaned["taglist_ab12j"] == ["alkohol", "cannabis"] and cleaned["number_ab12e"] == 3
    with pytest.raises(FormInvalid) as bad:
        validate(definition, {**raw, "datetime_tid": "halv ti", "naeste_opfoelgning": "4/1"})
    assert bad.value.errors["datetime_tid"] == ["Skal være et klokkeslæt (TT:MM)."]
    assert bad.value.errors["naeste_opfoelgning"] == ["Skal være en dato (ÅÅÅÅ-MM-DD)."]


def test_missing_labels_and_unsupported_types_are_named_in_danish():
    schema = copy.deepcopy(load_form("ustabil_aktivitet").schema)
    schema["components"] += [
        {"type": "datetime", "id": "Field_d", "key": "naeste_opfoelgning", "subtype": "date"},
        {"type": "button", "id": "Field_b", "key": "submit", "label": "Send", "action": "submit"},
        {"type": "datetime", "id": "Field_w", "key": "uge", "subtype": "week", "dateLabel": "Uge"},
    ]
    problems = check_schema("ustabil_aktivitet", schema)
    assert "feltet 'naeste_opfoelgning' har ingen etiket" in problems
    assert any("'button'" in p and "kan ikke bruges" in p for p in problems)
    assert any("'uge'" in p and "ukendt dato/tid-type" in p for p in problems)
    assert not any(word in " ".join(problems) for word in ("has no", "unknown", "missing"))
