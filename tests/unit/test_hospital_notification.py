"""The HospitalNotification rules without Flask or a database: the code table, every allowed
combination, the guide's message shapes, and the table in docs/interop.md."""
import json
from pathlib import Path

import pytest

from tests.web.hn_bundles import message
from webui.fhir.acknowledgement import acknowledgement, outcome
from webui.fhir.codes import COMBINATIONS, DEATH_COMBINATIONS, ERRORS
from webui.fhir.hospital_notification import MAX_BYTES, digest, parse

CPR = "0101901235"
DOCS = Path(__file__).resolve().parents[2] / "docs" / "interop.md"


def _parse(bundle):
    return parse(json.dumps(bundle).encode())


def _end(status):
    return "2026-03-02T10:00:00+01:00" if status == "finished" else None


@pytest.mark.parametrize(("activity", "klass", "status"), list(COMBINATIONS))
def test_every_combination_of_the_table_is_its_notification(activity, klass, status):
    note, problem, _ = _parse(message(activity, klass, status, CPR, end=_end(status)))
    assert problem is None and note.code == COMBINATIONS[(activity, klass, status)]


@pytest.mark.parametrize(("activity", "klass", "status"), list(DEATH_COMBINATIONS))
def test_a_deceased_patient_makes_a_death_notification(activity, klass, status):
    note, problem, _ = _parse(message(activity, klass, status, CPR, end=_end(status), deceased=True))
    assert problem is None and note.code == DEATH_COMBINATIONS[(activity, klass, status)]


def test_other_combinations_are_refused():
    statuses = ("in-progress", "onleave", "finished", "entered-in-error", "cancelled")
    activities = sorted({a for a, _, _ in COMBINATIONS})
    refused = 0
    for activity in activities:
        for klass in ("IMP", "EMER", "AMB"):
            for status in statuses:
                if (activity, klass, status) in COMBINATIONS:
                    continue
                _note, problem, _ = _parse(message(activity, klass, status, CPR, end=_end(status)))
                # a class or status outside the guide's value sets is a binding error first
                expected = "HN-CODE" if klass == "AMB" or status == "cancelled" else "HN-COMBINATION"
                assert problem.code == expected, (activity, klass, status, problem)
                refused += 1
    assert refused == len(activities) * 3 * len(statuses) - len(COMBINATIONS)


def test_the_guide_shape_with_earlier_provenances_picks_this_message():
    note, problem, _ = _parse(message("end-leave-inpatient", "IMP", "in-progress", CPR,
                                      earlier=[("admit-inpatient", "m1"), ("start-leave-inpatient", "m2")]))
    assert problem is None and (note.code, note.base, note.variant) == ("SLOR", "SLOR", "new")
    assert note.sender_sor == "265161000016000" and note.receiver_sor == "953741000016009"
    note, _, _ = _parse(message("cancel-admit-emergency", "EMER", "entered-in-error", CPR))
    assert (note.code, note.base, note.variant) == ("AN_STAA", "STAA", "cancel")


def test_the_digest_ignores_key_order_and_whitespace():
    bundle = message("admit-inpatient", "IMP", "in-progress", CPR)
    shuffled = json.loads(json.dumps(bundle, sort_keys=True, indent=3))
    assert digest(bundle) == digest(shuffled)
    assert parse(json.dumps(bundle).encode())[0].digest == parse(json.dumps(shuffled, indent=3).encode())[0].digest


def test_limits_are_checked_before_parsing():
    assert parse(b" " * (MAX_BYTES + 1))[1].code == "HN-SIZE"
    assert parse(b"\xff\xfe")[1].code == "HN-ENCODING"
    assert parse(b"[" * 50_000)[1].code in ("HN-NESTING", "HN-JSON")


def test_the_acknowledgement_is_a_valid_message():
    bundle = acknowledgement("abc", "ok", outcome(None, "applied"), "1", "2")
    header = bundle["entry"][0]["resource"]
    assert header["response"] == {"identifier": "abc", "code": "ok",
                                  "details": {"reference": f"OperationOutcome/{bundle['entry'][3]['resource']['id']}"}}


def test_the_docs_print_the_code_table_and_every_error():
    text = DOCS.read_text()
    for table in (COMBINATIONS, DEATH_COMBINATIONS):
        for (activity, klass, status), code in table.items():
            assert f"| `{activity}` | {klass} | {status} | {code} |" in text, (activity, klass, status)
    for code, (http, _type, response, _meaning) in ERRORS.items():
        assert f"| `{code}` | {http} | {response} |" in text, code
