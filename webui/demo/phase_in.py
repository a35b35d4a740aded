"""The demo's own phase-in plan: Region Sjælland opens group 3 later than the national date.

The national defaults in bpmn/phase_in.dmn stay untouched. The demo deploys the same bundle
once more with Sjælland's group-3 row moved to the first of a month about four months ahead
(a regional implementation plan, as a process owner would edit it in the modeler), so the
demo always shows a region whose group-3 date lies in the future and patients who wait.
"""
from datetime import date

from lxml import etree

from engine import service
from engine.modeling import read_source

DMN = "{https://www.omg.org/spec/DMN/20191111/MODEL/}"
REGION, GROUP = "sjaelland", 3
NOTE = "demo: Region Sjælland åbner gruppe 3 senere (regional indfasningsplan)"


def opening(today: date) -> date:
    """The demo's group-3 date for Sjælland: the first of the month four months ahead."""
    month = today.month + 4
    return date(today.year + (month - 1) // 12, (month - 1) % 12 + 1, 1)


def with_regional_date(dmn: bytes, region: str, group: int, day: date) -> bytes:
    """The DMN text with one region × group row's output date replaced."""
    root = etree.fromstring(dmn, etree.XMLParser(resolve_entities=False, no_network=True))
    for rule in root.iter(f"{DMN}rule"):
        entries = [e.findtext(f"{DMN}text") for e in rule.findall(f"{DMN}inputEntry")]
        if entries == [f'"{region}"', str(group)]:
            rule.find(f"{DMN}outputEntry/{DMN}text").text = f'"{day.isoformat()}"'
            return etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    raise ValueError(f"no phase_in row for {region} group {group}")


def deploy_demo_plan(session, bpmn_dir, today: date):
    """Deploy bpmn/ with the demo's regional date (same content → the existing version)."""
    files = read_source(bpmn_dir)
    files["phase_in.dmn"] = with_regional_date(files["phase_in.dmn"], REGION, GROUP,
                                               opening(today))
    return service.deploy_bundle(session, files, "system", note=NOTE)
