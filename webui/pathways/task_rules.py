"""Per-form rules the web edge adds to a task page: data only the server knows.

- Visitation shows the whole referral, and asks the group-3 question only for a patient in
  contact with the municipality alone.
- Discharge offers, as its default, the phase the patient was admitted from.
- Enrolment picks the tovholder from the real users of the eligible organisations (the
  patient's region and municipality, as in the organisation table); the tovholder's
  organisation is taken from that user, never from the browser.
"""
from copy import deepcopy

from flask_babel import gettext as _
from sqlalchemy import select

from engine.models import PathwayRun as Run
from engine.models import Patient
from engine.models import TaskRecord as R
from webui.models import Organisation, User

TOVHOLDER_ROLE = "tovholder"
RETURN_STAGES = ("opstart", "ustabil", "stabil", "overgang")
PARTICIPANTS_KEY = "participating_orgs"


def referral_of(session, pathway) -> dict:
    """The data the pathway was started with (from its first history row; no workflow loaded)."""
    row = session.scalar(select(R).where(R.pathway_id == pathway.id, R.kind == "start")
                         .order_by(R.id).limit(1))
    return dict(((row.data or {}).get("data") or {}) if row else {})


def eligible_orgs(session, pathway) -> dict:
    """{code: name} of the organisations a tovholder may come from (they must exist)."""
    codes = {pathway.region_org, pathway.municipality_org} - {None}
    return {o.code: o.name for o in session.scalars(
        select(Organisation).where(Organisation.code.in_(sorted(codes))).order_by(Organisation.code))}


def tovholder_choices(session, pathway) -> list:
    """[(username, label, org code)] of active users with the tovholder role in eligible orgs."""
    orgs = eligible_orgs(session, pathway)
    users = session.scalars(select(User).where(User.organisation_code.in_(sorted(orgs)),
                                               User.active.is_(True))
                            .order_by(User.full_name, User.username)).all()
    return [(u.username, f"{u.full_name or u.username} ({orgs[u.organisation_code]})",
             u.organisation_code) for u in users if TOVHOLDER_ROLE in u.roles]


def other_orgs(session, pathway) -> dict:
    """{code: name} of further organisations that may take part: the home region's others."""
    region = session.scalar(select(Organisation.region).where(
        Organisation.code == pathway.region_org))
    own = {pathway.region_org, pathway.municipality_org}
    return {o.code: o.name for o in session.scalars(
        select(Organisation).where(Organisation.region == region).order_by(Organisation.name))
        if o.code not in own}


def admitted_from(session, pathway) -> str:
    """The outpatient phase the patient was last admitted from (an acute start: Opstart).

    Read from the archived run that ended towards the inpatient stage; the discharge goes
    back there unless the clinician (or the hospital system) chooses otherwise.
    """
    stage = admitted_stage(session, pathway)
    return stage if stage in RETURN_STAGES else "opstart"


def admitted_stage(session, pathway):
    """Where the last admission came from (henvisning, akut, an outpatient phase), or None."""
    row = session.execute(select(Run.stage, Run.data).where(Run.pathway_id == pathway.id,
                                                            Run.next_stage == "indlagt")
                          .order_by(Run.run_no.desc()).limit(1)).first()
    if row is None:
        return None
    return (row.data or {}).get("admitted_from") or row.stage


def _return_default(definition, stage, from_referral=False) -> dict:
    """The discharge form with the phase the patient came from as its default and named so."""
    definition = deepcopy(definition)
    for component in definition["components"]:
        if component.get("key") == "return_stage":
            if from_referral:  # the BPMN sends the pathway back to the referral whatever is chosen
                component["description"] = _(
                    "Patienten blev indlagt fra henvisningen: forløbet fortsætter i visitation, "
                    "venten på indfasning eller indskrivning, og derefter i Opstart.")
            component["defaultValue"] = stage
            for option in component.get("values") or []:
                label = str(option.get("label", "")).replace(" (det sædvanlige)", "")
                option["label"] = _("%(phase)s (fasen før indlæggelsen)", phase=label) \
                    if option.get("value") == stage else label
    return definition


def prepare(session, form_id, pathway, definition) -> dict:
    """The form definition as this pathway's task page shows it."""
    if form_id == "indlagt_udskrivelse":
        definition = _return_default(definition, admitted_from(session, pathway),
                                     admitted_stage(session, pathway) == "henvisning")
    if form_id == "dudit":  # the cut-off follows the patient's registered sex
        definition = _without(definition, {"sex"})
    if form_id == "visitation" and pathway.group_no != 3:
        definition = _without(definition, {"presumed_severe_mental_illness"})
    if form_id == "indskrivning":
        definition = _without(definition, {"tovholder_org"})
        choices = tovholder_choices(session, pathway)
        others = other_orgs(session, pathway)
        if others:  # shown here, read and checked by extra_values (not part of the form file)
            definition["components"].append({
                "type": "checklist", "key": PARTICIPANTS_KEY,
                "label": _("Andre deltagende organisationer (fra organisationstabellen)"),
                "values": [{"value": c, "label": n} for c, n in others.items()]})
        for component in definition["components"]:
            if component.get("key") == "tovholder":
                component.update(type="select", label=_("Tovholder"),
                                 values=[{"value": u, "label": label} for u, label, _o in choices])
    return definition


def _without(definition, keys) -> dict:
    """A copy of the definition without the components of some keys."""
    definition = deepcopy(definition)
    definition["components"] = [c for c in definition["components"] if c.get("key") not in keys]
    return definition


def patient_sex(session, pathway):
    """The patient's registered sex ("M"/"K")."""
    return session.scalar(select(Patient.sex).where(Patient.id == pathway.patient_id))


def running_score(session, form_id, pathway, definition):
    """What the browser needs to show a running score (items and bands), or None.

    Only a preview: the server computes the score again when the form is completed.
    """
    spec = (definition.get("x-forlob") or {}).get("scoring")
    if not spec:
        return None
    bands = spec["bands"]
    if spec.get("bands_by") == "sex":
        bands = bands.get(patient_sex(session, pathway)) or []
    elif spec.get("bands_by"):
        return None
    return {"items": spec["items"], "bands": [{"min": b["min"], "max": b["max"],
                                               "label": b["label"]} for b in bands]}


def before_validation(session, form_id, pathway, raw, posted) -> dict:
    """Errors found before validation; fills in server-known values of `raw` in place."""
    if form_id == "dudit":
        raw["sex"] = patient_sex(session, pathway)
        return {}
    if form_id != "indskrivning":
        return {}
    chosen = {u: org for u, _label, org in tovholder_choices(session, pathway)}
    errors = {}
    username = raw.get("tovholder") or ""
    if username and username not in chosen:
        errors["tovholder"] = [_("Vælg en tovholder fra listen.")]
    forged = posted.get("tovholder_org")
    if forged and forged != chosen.get(username):
        errors["tovholder_org"] = [_("Tovholderens organisation følger af den valgte tovholder "
                                     "og kan ikke angives.")]
    raw["tovholder_org"] = chosen.get(username, "")
    return errors


def after_validation(form_id, pathway, cleaned) -> dict:
    """Errors in combinations only the pathway's data can judge."""
    if form_id == "visitation" and pathway.group_no == 3 and \
            cleaned.get("visitation_decision") == "inkluderet" and \
            cleaned.get("presumed_severe_mental_illness") != "ja":
        return {"presumed_severe_mental_illness": [
            _("En patient, der kun er i kontakt med kommunen (gruppe 3), optages kun ved en "
              "formodet moderat til svær psykisk lidelse.")]}
    return {}


def strip_access_keys(form_id, cleaned):
    """Drop values that decide access unless the server itself set them: participants come only
    from extra_values, the tovholder's organisation only from enrolment's before_validation
    (a definition's form could declare fields of the same names)."""
    cleaned.pop(PARTICIPANTS_KEY, None)
    if form_id != "indskrivning":
        cleaned.pop("tovholder_org", None)


def extra_values(session, form_id, pathway, posted):
    """(values the server adds to a completed form, errors): the chosen participating orgs."""
    if form_id != "indskrivning":
        return {}, {}
    chosen = [c for c in posted.getlist(PARTICIPANTS_KEY) if c]
    allowed = other_orgs(session, pathway)
    unknown = [c for c in chosen if c not in allowed]
    if unknown:
        return {}, {PARTICIPANTS_KEY: [_("Vælg kun organisationer fra listen.")]}
    return {PARTICIPANTS_KEY: sorted(set(chosen))}, {}
