"""HospitalNotifications in FHIR XML: the guide's messages as XML get the same effect as JSON
and an Acknowledgement in XML; unreadable or hostile XML is refused, coded, and changes nothing."""
import json

import pytest
from fhir.resources.core.utils.xml import xml_loads
from fhir.resources.R4B.bundle import Bundle

from tests.web.hn_bundles import response
from tests.web.hn_guide import BY_NAME, CPR, EXAMPLES, bundle
from tests.web.test_fhir_messaging import notices, opstart, post, state, token  # noqa: F401 (fixture)
from tests.web.test_fhir_messaging_hostile import snapshot
from webui.fhir.xml_input import to_json

XML = "application/fhir+xml"


def as_xml(message):
    """A message Bundle (JSON dict) written as FHIR XML by fhir.resources."""
    return Bundle.parse_obj(message).xml(return_bytes=True)


def answer_of(reply):
    """The XML Acknowledgement of a reply, read back as JSON (it must be a valid R4 Bundle)."""
    assert reply.mimetype == XML, reply.get_data()[:300]
    return json.loads(xml_loads(Bundle, reply.get_data()).json())


@pytest.mark.parametrize("example", EXAMPLES, ids=[e["name"] for e in EXAMPLES])
def test_every_guide_example_reads_the_same_from_xml(example):
    assert to_json(as_xml(bundle(example)))[1] is None
    assert json.loads(to_json(as_xml(bundle(example)))[0]) == bundle(example)


def test_a_stay_in_xml_admits_and_discharges_and_is_answered_in_xml(app, client, token):  # noqa: F811
    pathway_id = opstart(app, cpr=CPR)
    for name, stage in (("STIN", "indlagt"), ("SLHJ_IMP", "opstart")):
        reply = post(client, token, as_xml(bundle(BY_NAME[name])), content_type=XML)
        assert reply.status_code == 200
        assert response(answer_of(reply)) == (BY_NAME[name]["header"], "ok", "HN-OK")
        assert state(app, pathway_id)[1] == stage
    assert notices(app) == ["admitted", "discharged"]
    # the same message in JSON is the same content: a replay, answered in JSON
    again = post(client, token, bundle(BY_NAME["STIN"]))
    assert again.status_code == 200 and again.headers["Idempotent-Replay"] == "true"
    assert again.mimetype == "application/fhir+json"


XXE = (b'<?xml version="1.0"?><!DOCTYPE Bundle [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
       b'<Bundle xmlns="http://hl7.org/fhir"><type value="&x;"/></Bundle>')
LAUGHS = (b'<!DOCTYPE Bundle [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
          b'<Bundle xmlns="http://hl7.org/fhir"><type value="&b;"/></Bundle>')
HOSTILE_XML = {
    "external entity (XXE)": (XXE, "HN-XML", 400),
    "entity expansion": (LAUGHS, "HN-XML", 400),
    "not well-formed": (b'<Bundle xmlns="http://hl7.org/fhir"><type value="message"/>', "HN-XML", 400),
    "JSON sent as XML": (json.dumps(bundle(BY_NAME["STIN"])).encode(), "HN-XML", 400),
    "not a Bundle": (b'<Patient xmlns="http://hl7.org/fhir"><id value="p"/></Patient>', "HN-XML", 400),
    "no FHIR namespace": (b'<Bundle><type value="message"/></Bundle>', "HN-XML", 400),
    "unknown element": (b'<Bundle xmlns="http://hl7.org/fhir"><bogus value="1"/></Bundle>', "HN-XML", 400),
    "collection bundle": (as_xml({**bundle(BY_NAME["STIN"]), "type": "collection"}), "HN-BUNDLE-TYPE", 422),
    "deep nesting": (b'<Bundle xmlns="http://hl7.org/fhir">' + b"<a>" * 300 + b"</a>" * 300 + b"</Bundle>",
                     "HN-XML", 400),
}


@pytest.mark.parametrize("name", list(HOSTILE_XML))
def test_hostile_xml_is_refused_with_its_code_and_changes_nothing(app, client, token, name):  # noqa: F811
    opstart(app, cpr=CPR)
    body, code, status = HOSTILE_XML[name]
    before = snapshot(app)
    reply = post(client, token, body, content_type=XML)
    assert reply.status_code == status, reply.get_data()[:300]
    assert response(answer_of(reply))[1:] == ("fatal-error", code)
    assert b"root:" not in reply.get_data()        # no file was read into the answer
    assert snapshot(app) == before


def test_other_media_types_are_refused_with_415(app, client, token):  # noqa: F811
    opstart(app, cpr=CPR)
    before = snapshot(app)
    for kind in ("text/plain", "application/pdf"):
        reply = post(client, token, as_xml(bundle(BY_NAME["STIN"])), content_type=kind)
        assert reply.status_code == 415 and reply.mimetype == "application/fhir+json"
        assert response(reply.get_json())[1:] == ("fatal-error", "HN-MEDIA-TYPE")
    assert snapshot(app) == before
