"""Definition bundles: safe parsing, schema and Forløb rules, errors naming element and line."""
import pytest

from engine.definitions.parsing import MAX_FILE_BYTES, content_hash, parse_bundle
from engine.errors import InvalidDefinition
from tests.fixtures.engine import LOOP_FORMS, loop_files


def mutate(name, old, new):
    """The loop bundle with one text replacement in one file."""
    files = loop_files()
    text = files[name].decode()
    assert old in text, old
    files[name] = text.replace(old, new, 1).encode()
    return files


def problems_of(files, forms=LOOP_FORMS):
    with pytest.raises(InvalidDefinition) as info:
        parse_bundle(files, known_forms=forms)
    return info.value.problems


def test_loop_bundle_is_valid():
    bundle = parse_bundle(loop_files(), known_forms=LOOP_FORMS)
    assert set(bundle.processes) == {"henvisning", "opstart", "ustabil", "stabil", "overgang",
                                     "indlagt"}
    assert bundle.process("stabil").name == "Stabil"


def test_content_hash_is_stable_and_order_free():
    files = loop_files()
    assert content_hash(files) == content_hash(dict(reversed(list(files.items()))))
    assert content_hash(files) != content_hash(mutate("loop.bpmn", "P60D", "P61D"))


def test_cycle_is_refused_with_element_and_line():
    files = mutate("loop.bpmn", 'targetRef="u_repeat"/>',
                   'targetRef="ustabil_aktivitet"/>')
    [(name, element, line, message)] = [p for p in problems_of(files) if "løkke" in p[3]]
    assert name == "loop.bpmn" and element == "u_again" and line > 1
    assert "next_stage" in message


def test_user_task_needs_known_form():
    files = mutate("loop.bpmn", 'value="aktivitet"', 'value="findes_ikke"')
    problems = problems_of(files)
    assert any(p[1] == "ustabil_aktivitet" and "findes_ikke" in p[3] for p in problems)


def test_user_task_needs_form_property():
    files = mutate("loop.bpmn", '<spiffworkflow:property name="form" value="aktivitet"/>', "")
    assert any(p[1] == "ustabil_aktivitet" and "ingen 'form'" in p[3] for p in problems_of(files))


def test_user_task_needs_known_lane():
    files = mutate("loop.bpmn", 'name="kommune"', 'name="ukendt"')
    problems = problems_of(files)
    assert any(p[1] == "ustabil_aktivitet" and "banen" in p[3] and p[2] for p in problems)


def test_process_ids_are_unique_across_files():
    files = mutate("loop.bpmn", 'id="indlagt" name="Indlæggelse"', 'id="opstart" name="X"')
    assert any(p[1] == "opstart" and "også defineret" in p[3] for p in problems_of(files))


def test_expressions_must_compile_in_the_sandbox():
    files = mutate("loop.bpmn", "stable == True", "().__class__")
    problems = problems_of(files)
    assert any(p[1] == "u_stable" and "sandkassen" in p[3] and p[2] for p in problems)
    files = mutate("loop.bpmn", "next_stage = 'stabil'", "import os")
    assert any(p[1] == "u_to_stabil" for p in problems_of(files))
    files = mutate("loop.bpmn", 'value="add_days(run_started_at, 28)"', 'value="(("')
    assert any(p[1] == "opfoelgning" and "due" in p[3] for p in problems_of(files))


def test_dmn_entries_must_compile():
    files = mutate("gruppe.dmn", "<text>3</text>", "<text>__import__('os')</text>")
    assert any(p[0] == "gruppe.dmn" and p[1] == "r3_out" for p in problems_of(files))


def test_schema_errors_name_the_line():
    files = mutate("loop.bpmn", '<bpmn:endEvent id="indlagt_end"/>',
                   '<bpmn:endEvent id="indlagt_end" bogus="1"/>')
    [(name, _, line, message)] = problems_of(files)
    assert name == "loop.bpmn" and line and "bogus" in message


def test_xml_syntax_error_names_the_line():
    files = mutate("loop.bpmn", "</bpmn:process>", "</bpmn:proc>")
    [(name, _, line, message)] = problems_of(files)
    assert name == "loop.bpmn" and line > 1 and "syntaksfejl" in message


@pytest.mark.parametrize("payload", [
    b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><d>&x;</d>',
    b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><d>&b;</d>',
    b'<?xml version="1.0"?><!DOCTYPE d SYSTEM "http://example.invalid/x.dtd"><d/>',
])
def test_dtds_and_entities_are_refused(payload):
    files = loop_files()
    files["evil.bpmn"] = payload
    assert any("DTD" in p[3] for p in problems_of(files))


def test_size_and_name_limits():
    files = loop_files()
    files["big.bpmn"] = b"<a>" + b" " * MAX_FILE_BYTES + b"</a>"
    assert any("større" in p[3] for p in problems_of(files))
    files = loop_files()
    files["../escape.bpmn"] = files.pop("loop.bpmn")
    assert any("filnavne" in p[3] for p in problems_of(files))


def test_entry_stage_is_required():
    files = loop_files()
    files.pop("entry.bpmn")
    files = {k: v for k, v in files.items()}
    assert any("henvisning" in p[3] for p in problems_of(files))


def test_standard_loops_are_refused():
    files = mutate("loop.bpmn", '<bpmn:userTask id="ustabil_aktivitet" name="Behandlingsaktivitet">',
                   '<bpmn:userTask id="ustabil_aktivitet" name="Behandlingsaktivitet">'
                   '<bpmn:standardLoopCharacteristics/>')
    assert any(p[1] == "ustabil_aktivitet" and "løkker" in p[3] for p in problems_of(files))


def test_error_message_lists_every_problem():
    files = mutate("loop.bpmn", 'value="aktivitet"', 'value="nope"')
    with pytest.raises(InvalidDefinition) as info:
        parse_bundle(files, known_forms=LOOP_FORMS)
    assert "loop.bpmn" in str(info.value) and "ustabil_aktivitet" in str(info.value)


def test_dangling_flow_end_is_refused_instead_of_silently_ending_the_run():
    # SpiffWorkflow drops the flow, so 'ustabil' would complete at once and end the pathway.
    files = mutate("loop.bpmn", 'sourceRef="ustabil_start"', 'sourceRef="nope"')
    [(name, element, line, message)] = problems_of(files)
    assert (name, element) == ("loop.bpmn", "u_f1") and line and "nope" in message


def test_unknown_message_decision_and_process_are_refused_with_element_and_line():
    files = mutate("loop.bpmn", 'messageRef="msg_indlagt"', 'messageRef="nope"')
    [(name, element, line, message)] = problems_of(files)
    assert (name, element) == ("loop.bpmn", "u_indlagt") and line and "nope" in message
    files = mutate("entry.bpmn", ">gruppe_beslutning<", ">nope<")
    [(name, element, line, message)] = problems_of(files)
    assert (name, element) == ("entry.bpmn", "gruppe") and line and "nope" in message
    files = mutate("loop.bpmn", """<bpmn:scriptTask id="u_to_stabil" name="Til stabil">
      <bpmn:script>next_stage = 'stabil'</bpmn:script>
    </bpmn:scriptTask>""", '<bpmn:callActivity id="u_to_stabil" calledElement="nope"/>')
    [(name, element, line, message)] = problems_of(files)
    assert (name, element) == ("loop.bpmn", "u_to_stabil") and line and "nope" in message


def test_spiffworkflow_problems_get_the_line_of_their_element():
    files = mutate("loop.bpmn", '<bpmn:exclusiveGateway id="u_gw" default="u_again"/>',
                   '<bpmn:exclusiveGateway id="u_gw"/>')
    [(name, element, line, message)] = problems_of(files)
    assert (name, element) == ("loop.bpmn", "u_again")
    assert line == files["loop.bpmn"].decode().splitlines().index(
        '    <bpmn:sequenceFlow id="u_again" sourceRef="u_gw" targetRef="u_repeat"/>') + 1


@pytest.mark.parametrize("name, payload", [
    ("extra.dmn", b"<a/>"),
    ("extra.dmn", b'<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"/>'),
    ("extra.bpmn", b'<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/"/>'),
    ("extra.bpmn", b"<html><body>not a diagram</body></html>"),
])
def test_well_formed_xml_of_the_wrong_kind_is_refused_cleanly(name, payload):
    files = loop_files()
    files[name] = payload
    [(file, _, line, message)] = problems_of(files)
    assert file == name and line == 1 and "<definitions>" in message
