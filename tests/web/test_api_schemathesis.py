"""Schemathesis against the published API document (docs/api/openapi.json), in-process.

Every operation of the document is fuzzed through Flask's WSGI app, positive and negative
data, with and without a token; the run fails on any 5xx, any status or content type the
document does not list, any response that breaks its schema or headers, and any invalid input
accepted. Bounded (MAX_EXAMPLES per operation and mode; FORLOB_SCHEMATHESIS_EXAMPLES raises it)
so the whole file stays well under a minute.
"""
import json
import os
import traceback
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import func, select

from engine.models import AuditEntry
from tests.web import pathway_setup as setup
from webui.api.tokens import create_client
from webui.extensions import db

DOCUMENT = json.loads((Path(__file__).resolve().parents[2] / "docs" / "api" / "openapi.json")
                      .read_text(encoding="utf-8"))
EXAMPLE_CPR = "0101901235"
MAX_EXAMPLES = int(os.environ.get("FORLOB_SCHEMATHESIS_EXAMPLES", "15"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance]


class Counted:
    """The app's WSGI callable, counting the calls that reach it (proof the fuzzing ran)."""

    def __init__(self, wsgi_app):
        self.wsgi_app, self.calls = wsgi_app, 0

    def __call__(self, environ, start_response):
        self.calls += 1
        return self.wsgi_app(environ, start_response)


@pytest.fixture
def api_schema(app):
    """The published document, bound to the test app (requests go through its WSGI interface)."""
    schema = schemathesis.openapi.from_dict(DOCUMENT)
    app.wsgi_app = Counted(app.wsgi_app)
    schema.app = app
    return schema


@pytest.fixture
def token(app, demo_users):
    """A client of Region Hovedstaden's psychiatry and its token, and a patient in Opstart with
    the CPR number of the document's examples: the explicit phase sends them first, so an
    accepted admission, its discharge and their replays are checked against the schema too."""
    with app.app_context():
        setup.to_opstart(cpr=EXAMPLE_CPR, contacts=("psykiatri", "kommune"))
        _client, token = create_client("schemathesis", "region-hovedstaden")
        db.session.commit()
    return token


def _operations(schema):
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.path for op in operations} == set(DOCUMENT["paths"])
    return operations


def _fuzz(operation, mode, headers):
    """Run one operation's bounded fuzzing in one mode; the first failure raises."""
    checks = CHECKS + ([negative_data_rejection] if mode is GenerationMode.NEGATIVE else [])

    @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None, derandomize=True,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case):
        case.call_and_validate(headers=headers, checks=checks)

    run()


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
@pytest.mark.parametrize("authenticated", [True, False], ids=["token", "no-token"])
def test_the_api_keeps_its_published_contract(api_schema, token, mode, authenticated):
    headers = {"Authorization": f"Bearer {token}"} if authenticated else {}
    for operation in _operations(api_schema):
        if mode is GenerationMode.NEGATIVE and not _has_input(operation):
            continue  # nothing to get wrong in GET /openapi.json
        _fuzz(operation, mode, headers)
    assert api_schema.app.wsgi_app.calls >= 2 * MAX_EXAMPLES // 3
    if authenticated and mode is GenerationMode.POSITIVE:
        with api_schema.app.app_context():  # the examples reached an accepted event (a 200)
            assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
                AuditEntry.action == "api_event")) >= 1


def test_the_run_fails_on_a_server_error_or_an_undocumented_answer(app, api_schema, token):
    """The checks bite: a 500, or a status the document does not list, fails the run."""
    headers = {"Authorization": f"Bearer {token}"}
    [events] = [op for op in _operations(api_schema) if op.path == "/events"]
    for status in (500, 418):
        app.after_request_funcs.setdefault(None, []).append(
            lambda response, status=status: (setattr(response, "status_code", status), response)[1])
        try:
            _fuzz(events, GenerationMode.POSITIVE, headers)
        except BaseException as exc:  # noqa: BLE001  (schemathesis raises an exception group)
            report = "".join(traceback.format_exception(exc))
        else:
            report = ""
        app.after_request_funcs[None].pop()
        assert f"Received: {status}" in report, report[-2000:]


def _has_input(operation):
    """True when the document gives the operation a body or parameters to send wrong."""
    spec = DOCUMENT["paths"][operation.path][operation.method.lower()]
    return "requestBody" in spec or bool(spec.get("parameters"))
