"""Paths through referral and enrolment, via the engine facade (SQLite and PostgreSQL)."""
from datetime import date

import pytest

from engine import service
from engine.definitions.versions import read_directory
from engine.errors import NoRecipient
from tests.integration.pathway_driver import BPMN_DIR, Driver, at
from webui.extensions import db

REGIONS = ("hovedstaden", "sjaelland", "syddanmark", "midtjylland", "nordjylland")
OPENING = {1: "2024-09-01", 2: "2025-07-01", 3: "2026-07-01"}
GUARANTEE_AFTER_WAIT = {1: "2024-09-15", 2: "2025-07-15", 3: "2026-07-15"}


@pytest.fixture
def session(app):
    with app.app_context():
        yield db.session


def iso(value):
    """ISO text of a date column value (drivers may return str or date)."""
    return value.isoformat() if isinstance(value, date) else value


@pytest.mark.parametrize("region", REGIONS)
@pytest.mark.parametrize("group", [1, 2, 3])
def test_group_waits_before_its_phase_in_date_and_enters_after(session, region, group):
    opening = OPENING[group]
    drv = Driver(session, at("2024-08-20"))
    early = drv.refer(f"01018{group}{REGIONS.index(region)}001", region, group)
    drv.do(early, "visitation", visitation_decision="inkluderet", exclusion_reason="")
    assert early.group_no == group
    assert iso(early.waiting_until) == opening
    assert iso(early.guarantee_due) == GUARANTEE_AFTER_WAIT[group]
    rows = drv.items(early)
    assert [(r.kind, r.title) for r in rows] == [("wait", "Venter på indfasning")]
    assert drv.ready(early) == []

    drv.advance(at(opening, 1))
    assert drv.ready(early) == ["indskrivning"]
    assert early.waiting_until is None
    assert drv.do(early, "indskrivning").stage == "opstart"

    late = drv.refer(f"02018{group}{REGIONS.index(region)}002", region, group)
    drv.do(late, "visitation", visitation_decision="inkluderet", exclusion_reason="")
    assert late.waiting_until is None and drv.ready(late) == ["indskrivning"]
    pathway = drv.do(late, "indskrivning")
    assert (pathway.stage, pathway.tovholder, pathway.tovholder_org) == ("opstart", "tove", "kommune-koebenhavn")


def test_exclusion_ends_with_reason_and_return_to_referrer(session):
    drv = Driver(session, at("2025-09-01"))
    pathway = drv.refer("0101901234")
    pathway = drv.do(pathway, "visitation", visitation_decision="afvist", exclusion_reason="ingen_mistanke_rus",
                     inclusion_criteria=["mistanke_psykisk"])
    assert (pathway.status, pathway.end_reason) == ("ended", "Afvist ved visitation")
    assert drv.items(pathway) == []
    tasks = [r.task_spec for r in service.history(session, pathway.id)]
    assert "visitation" in tasks


def test_fourteen_day_breach(session):
    drv = Driver(session, at("2025-09-01"))
    pathway = drv.refer("0101901235")
    assert iso(pathway.guarantee_due) == "2025-09-15" and not pathway.guarantee_breached
    drv.advance(at("2025-09-13"))
    assert not pathway.guarantee_breached
    assert drv.advance(at("2025-09-16")) >= 1
    assert pathway.guarantee_breached is True, "the breach timer marks the pathway"
    pathway = drv.do(pathway, "visitation", visitation_decision="inkluderet", exclusion_reason="")
    assert pathway.guarantee_breached is True, "visitation after the deadline keeps the mark"
    pathway = drv.do(pathway, "indskrivning")
    assert pathway.stage == "opstart" and pathway.guarantee_breached is True


def test_enrolment_within_the_guarantee_is_no_breach(session):
    drv = Driver(session, at("2025-09-01"))
    pathway = drv.refer("0101901236")
    drv.advance(at("2025-09-15", 20))
    pathway = drv.enrol(pathway)
    assert pathway.stage == "opstart" and pathway.guarantee_breached is False


def test_admission_during_referral_returns_to_visitation_after_discharge(session):
    drv = Driver(session, at("2025-09-01"))
    pathway = drv.refer("0101901237")
    with pytest.raises(NoRecipient):          # nothing to discharge from
        drv.message("udskrevet", pathway)
    pathway = drv.message("indlagt", pathway, admission_reason="abstinenser")
    assert pathway.stage == "indlagt" and "indlagt_contact" in drv.ready(pathway)
    drv.do(pathway, "indlagt_contact")        # the first treatment contact, day 0
    pathway = drv.message("udskrevet", pathway, return_stage="stabil")
    assert pathway.stage == "henvisning" and drv.ready(pathway) == ["visitation"]
    assert pathway.guarantee_status == "met"


def test_a_region_with_its_own_phase_in_date(session):
    """A process owner moves group 3 earlier in Hovedstaden only: the DMN row decides."""
    files = read_directory(BPMN_DIR)
    dmn = files["phase_in.dmn"].decode("utf-8")
    row = ('<inputEntry id="rule_3_region"><text>"hovedstaden"</text></inputEntry>\n'
           '        <inputEntry id="rule_3_group"><text>3</text></inputEntry>\n'
           '        <outputEntry id="rule_3_date"><text>"2026-07-01"</text></outputEntry>')
    assert row in dmn
    files["phase_in.dmn"] = dmn.replace(row, row.replace("2026-07-01", "2026-01-01")).encode("utf-8")
    drv = Driver(session, at("2026-02-02"))
    service.deploy_bundle(session, files, "procesejer")
    early_region = drv.refer("0302261001", "hovedstaden", 3)
    national = drv.refer("0302261002", "sjaelland", 3)
    for pathway in (early_region, national):
        drv.do(pathway, "visitation", visitation_decision="inkluderet", exclusion_reason="")
    assert early_region.waiting_until is None and drv.ready(early_region) == ["indskrivning"]
    assert iso(national.waiting_until) == "2026-07-01" and drv.ready(national) == []
