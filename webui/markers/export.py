"""Pathway markers out: the rows for the CSV export (admin page and CLI) and as FHIR Observations."""
from sqlalchemy import exists, select

from engine.clock import as_utc
from engine.models import Pathway, PathwayParticipant
from webui.markers.models import PathwayMarker

CSV_HEADER = ["pathway_id", "region_org", "municipality_org", "point", "system", "code", "display",
              "at", "value"]
CATEGORY = {"system": "https://forlob.dk/fhir/CodeSystem/observation-category", "code": "pathway-marker",
            "display": "Forløbsmarkør"}


def marker_query(org_code=None, since=None, until=None):
    """SELECT (marker, pathway) rows, oldest first; limited to an organisation's pathways and a
    period of the marker's time (since inclusive, until exclusive) when given."""
    query = select(PathwayMarker, Pathway).join(Pathway, Pathway.id == PathwayMarker.pathway_id)
    if org_code is not None:
        query = query.where(exists().where(PathwayParticipant.pathway_id == Pathway.id,
                                           PathwayParticipant.org_code == org_code))
    if since is not None:
        query = query.where(PathwayMarker.at >= since)
    if until is not None:
        query = query.where(PathwayMarker.at < until)
    return query.order_by(PathwayMarker.at, PathwayMarker.id)


def csv_rows(session, org_code=None, since=None, until=None):
    """The rows of the CSV export: one per marker, no name or CPR (the pathway id links them)."""
    return [[m.pathway_id, p.region_org or "", p.municipality_org or "", m.point, m.system, m.code,
             m.display, as_utc(m.at).isoformat(), m.value or ""]
            for m, p in session.execute(marker_query(org_code, since, until))]


def observation(marker) -> dict:
    """A marker as a FHIR Observation: the code from the table, when, and the pathway it is of."""
    resource = {"resourceType": "Observation", "id": f"marker-{marker.id}",
                "meta": {"lastUpdated": as_utc(marker.recorded_at).isoformat()},
                "status": "final", "category": [{"coding": [CATEGORY]}],
                "code": {"coding": [{"system": marker.system, "code": marker.code, "display": marker.display}],
                         "text": marker.display},
                "subject": {"reference": f"Patient/{marker.patient_id}"},
                "focus": [{"reference": f"EpisodeOfCare/{marker.pathway_id}"}],
                "effectiveDateTime": as_utc(marker.at).isoformat()}
    if marker.value:   # the guarantee's deadline
        resource["valueDateTime"] = marker.value
    return resource
