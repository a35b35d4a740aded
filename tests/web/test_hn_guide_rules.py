"""Each of the guide's rules (webui/fhir/guide_rules.RULES), broken alone and posted: a coded
fatal-error Acknowledgement that names the rule, an audit entry, and nothing else changed."""
import pytest
from sqlalchemy import select

from engine.models import AuditEntry
from tests.web.hn_rule_breaks import BREAKS
from tests.web.test_fhir_messaging import opstart, post, token  # noqa: F401 (fixture)
from tests.web.test_fhir_messaging_hostile import refused, snapshot
from webui.extensions import db
from webui.fhir import guide_rules
from webui.fhir.codes import ERRORS


@pytest.mark.parametrize("key", [rule.key for rule in guide_rules.RULES])
def test_a_message_breaking_one_rule_is_refused_and_changes_nothing(app, client, token, key):  # noqa: F811
    opstart(app)
    bundle, code = BREAKS[key]
    before = snapshot(app)
    body = refused(post(client, token, bundle), code, ERRORS[code][0])
    outcome = next(e["resource"] for e in body["entry"] if e["resource"]["resourceType"] == "OperationOutcome")
    assert f"{code} [{key}]" in outcome["issue"][0]["diagnostics"]
    assert snapshot(app) == before
    with app.app_context():   # the audit names the rule too
        detail = db.session.scalar(select(AuditEntry.detail).where(AuditEntry.action == "hn_refused"))
        assert f"{code} [{key}]" in detail
