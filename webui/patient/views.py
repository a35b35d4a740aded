"""What the patient sees: phase in everyday words, tovholder and team, contacts, crisis plan,
questionnaires. Every query is bound to the logged-in account's own patient id."""
from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from engine import clock
from engine.models import Pathway, Patient
from webui.common.timeutil import local
from webui.extensions import db
from webui.models import Organisation, User
from webui.patient import (
    bp,
    consents,
    contacts,
    instruments,
    patient_audit,
    patient_required,
    plans,
    questionnaires,
    trend,
)
from webui.patient.models import Questionnaire, RelativeConsent

# the start page shows at most this many contacts and answers, so it costs the same for a
# pathway of ten years as for one of ten days
PAGE_ITEMS = 8

# Each stage in plain words, as the patient would hear it from their tovholder.
STAGE_TEXT = {
    "henvisning": _l("Du er henvist. Vi finder ud af, hvem der skal hjælpe dig, og kontakter dig."),
    "opstart": _l("Vi er ved at lære dig at kende. Sammen laver vi en plan for, hvad du gerne vil "
                  "have hjælp til, både med det psykiske og med rusmidler."),
    "ustabil": _l("Lige nu er tingene svære. Vi ses ofte, og vi hjælper dig med at få mere ro "
                  "og stabilitet i hverdagen."),
    "stabil": _l("Det går mere stabilt. Vi ses lidt sjældnere og arbejder med at holde fast i "
                 "det, der virker for dig."),
    "overgang": _l("Dit forløb er ved at slutte. Vi sørger for, at du ved, hvor du kan få hjælp "
                   "bagefter."),
    "indlagt": _l("Du er indlagt. Din tovholder følger med og er klar, når du kommer hjem."),
}
WHO5_QUESTIONS = (
    ("who5_1", _l("Jeg har været glad og i godt humør")),
    ("who5_2", _l("Jeg har følt mig rolig og afslappet")),
    ("who5_3", _l("Jeg har følt mig aktiv og energisk")),
    ("who5_4", _l("Jeg er vågnet frisk og udhvilet")),
    ("who5_5", _l("Min dagligdag har været fyldt med ting, der interesserer mig")),
)
WHO5_OPTIONS = ((5, _l("Hele tiden")), (4, _l("Det meste af tiden")),
                (3, _l("Lidt mere end halvdelen af tiden")), (2, _l("Lidt mindre end halvdelen af tiden")),
                (1, _l("Lidt af tiden")), (0, _l("På intet tidspunkt")))


WEEKDAYS = {"da": ("mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag"),
            "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")}
MONTHS = {"da": ("januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september",
                 "oktober", "november", "december"),
          "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September",
                 "October", "November", "December")}


@bp.app_template_filter("when")
def when(value, with_time=True):
    """A date (and time) in everyday words, e.g. "tirsdag 8. december kl. 10:00" (Danish time).

    Cheaper than Babel's formatter, which the start page would otherwise call per row."""
    shown = local(value)
    if shown is None:
        return ""
    lang = "en" if str(get_locale()) == "en" else "da"
    day = WEEKDAYS[lang][shown.weekday()]
    month = MONTHS[lang][shown.month - 1]
    if lang == "en":
        text = f"{day} {shown.day} {month} {shown.year}"
        return f"{text}, {shown:%H:%M}" if with_time else text
    text = f"{day} {shown.day}. {month} {shown.year}"
    return f"{text} kl. {shown:%H:%M}" if with_time else text


def _pathway(patient_id):
    """The patient's newest pathway (active or not)."""
    return db.session.scalar(select(Pathway).where(Pathway.patient_id == patient_id)
                             .order_by(Pathway.started_at.desc(), Pathway.id.desc()).limit(1))


def _team(pathway):
    """(tovholder's name, [organisation names]) — names only, never staff usernames or notes."""
    if pathway is None:
        return None, []
    tovholder = None
    if pathway.tovholder:
        user = db.session.scalar(select(User).filter_by(username=pathway.tovholder))
        tovholder = user and (user.full_name or None)
    codes = [c for c in (pathway.tovholder_org, pathway.region_org, pathway.municipality_org) if c]
    names = {o.code: o.name for o in db.session.scalars(select(Organisation).where(Organisation.code.in_(codes)))}
    return tovholder, [names[c] for c in dict.fromkeys(codes) if c in names]


def latest_crisis_plan(patient_id):
    """The newest version of the patient's crisis plan, or None."""
    return plans.latest(patient_id, "kriseplan")


def _org_names(rows):
    codes = {r.org_code for r in rows}
    return {o.code: o.name for o in db.session.scalars(select(Organisation).where(Organisation.code.in_(codes)))}


@bp.get("/")
@patient_required
def home(account):
    """The patient's start page."""
    patient = db.session.get(Patient, account.patient_id)
    # a relative sees only what the consent's scope names; a patient sees all of it
    scopes = g.relative_consent.scopes if account.role == "relative" else {"plan", "crisis", "answers"}
    pathway = _pathway(patient.id) if "plan" in scopes else None
    tovholder, team = _team(pathway)
    planned = contacts.upcoming(patient.id, limit=PAGE_ITEMS) if "plan" in scopes else []
    answers = "answers" in scopes
    crisis = latest_crisis_plan(patient.id) if "crisis" in scopes else None
    answered = questionnaires.answered_for(patient.id, limit=PAGE_ITEMS) if answers else []
    relapse = plans.latest(patient.id, "tilbagefaldsplan") if "crisis" in scopes else None
    html = render_template(
        "patient/home.html", account=account, first_name=patient.name.split()[0], pathway=pathway,
        stage_text=STAGE_TEXT.get(pathway.stage if pathway else "", ""), tovholder=tovholder,
        team=team, contacts=planned, org_names=_org_names(planned), scopes=scopes,
        crisis=crisis, crisis_lines=plans.shown(crisis, "kriseplan"),
        coordinated=plans.coordinated_plan(pathway) if "plan" in scopes else [],
        relapse_lines=plans.shown(relapse, "tilbagefaldsplan"),
        open_questionnaires=questionnaires.open_for(patient.id) if answers else [],
        answered=answered, trend=trend.who5_chart(answered),
        instruments=instruments.names())
    patient_audit(account, "patient.view_home", detail=f"scopes={','.join(sorted(scopes))}")
    db.session.commit()
    return html


def _own_questionnaire(account, questionnaire_id):
    """The questionnaire when it is this patient's own, else 404 (never another's)."""
    row = db.session.get(Questionnaire, questionnaire_id)
    if row is None or row.patient_id != account.patient_id:
        abort(404)
    return row


@bp.route("/skema/<int:questionnaire_id>", methods=["GET", "POST"])
@patient_required
def questionnaire(account, questionnaire_id):
    """Answer one questionnaire (WHO-5 with safety questions, AUDIT or DUDIT), scored on the server."""
    if account.role != "patient":
        abort(403)  # a relative may read parts of the plan, never the answers
    row = _own_questionnaire(account, questionnaire_id)
    if row.answered_at is not None:
        patient_audit(account, "patient.view_result", detail=f"questionnaire={row.id}")
        db.session.commit()
        return render_template("patient/result.html", row=row, result=row.result or {}, account=account,
                               crisis=latest_crisis_plan(account.patient_id), instruments=instruments.names())
    if row.closed_at is not None:
        return _closed(account, row)
    pathway = _pathway(account.patient_id)
    version_id = pathway.version_id if pathway else None
    status = 200
    if request.method == "POST":
        try:
            answers = instruments.parse(row.instrument, request.form, version_id)
        except instruments.InvalidAnswers:
            flash(_("Svar på alle spørgsmål, før du sender."), "error")
            status = 400
        else:
            try:
                followup = questionnaires.answer(row, answers, f"{account.role}:{account.username}")
            except questionnaires.AlreadyAnswered:
                flash(_("Skemaet var allerede besvaret, så dette svar er ikke gemt. "
                        "Du kan se det gemte svar her."), "info")
                return redirect(url_for("patient.questionnaire", questionnaire_id=row.id)), 303
            except questionnaires.Closed:
                row = _own_questionnaire(account, questionnaire_id)
                row.closed_at = row.closed_at or clock.utcnow()
                return _closed(account, row)
            patient_audit(account, "patient.answer_questionnaire",
                          detail=f"questionnaire={row.id} zone={row.zone}"
                          + (f" followup={followup.id}" if followup else ""))
            db.session.commit()
            return redirect(url_for("patient.questionnaire", questionnaire_id=row.id), 303)
    patient_audit(account, "patient.open_questionnaire", detail=f"questionnaire={row.id}")
    db.session.commit()
    if row.instrument == "who5":
        return render_template("patient/questionnaire.html", row=row, account=account, questions=WHO5_QUESTIONS,
                               options=WHO5_OPTIONS, form=request.form), status
    return render_template("patient/questionnaire_form.html", row=row, account=account, form=request.form,
                           questions=instruments.shown_questions(row.instrument, version_id),
                           instruments=instruments.names()), status


def _closed(account, row):
    """The questionnaire's task closed before an answer came: say so, save nothing of it."""
    patient_audit(account, "patient.questionnaire_closed", detail=f"questionnaire={row.id}")
    db.session.commit()
    flash(_("Dette spørgeskema er lukket, fordi dit forløb er gået videre. Dit svar er ikke gemt. "
            "Du får et nyt skema, når det er tid."), "info")
    return render_template("patient/message.html", account=account), 409


@bp.route("/paaroerende", methods=["GET", "POST"])
@patient_required
def relatives(account):
    """The patient's consents for relatives: give access (with a scope) and see who has it."""
    if account.role != "patient":
        abort(403)
    code, status = None, 200
    if request.method == "POST":
        try:
            consent, code = consents.grant(account.patient_id, request.form.get("relative_name", ""),
                                           request.form.getlist("scope"), f"patient:{account.username}")
        except consents.ConsentError as exc:
            db.session.rollback()
            flash(_(str(exc)), "error")
            status = 400
        else:
            patient_audit(account, "patient.consent_grant",
                          detail=f"consent={consent.id} scope={consent.scope} at={consent.granted_at.isoformat()}")
    rows = consents.for_patient(account.patient_id)
    html = render_template("patient/relatives.html", account=account, consents=rows, code=code,
                           scopes=consents.SCOPES)
    patient_audit(account, "patient.view_consents")
    db.session.commit()
    return html, status, {"Cache-Control": "no-store"}


@bp.post("/paaroerende/<int:consent_id>/tilbagekald")
@patient_required
def revoke_relative(account, consent_id):
    """Revoke a relative's access at once."""
    if account.role != "patient":
        abort(403)
    consent = db.session.get(RelativeConsent, consent_id)
    if consent is None or consent.patient_id != account.patient_id:
        abort(404)
    if consent.revoked_at is None:
        consents.revoke(consent, f"patient:{account.username}")
        patient_audit(account, "patient.consent_revoke", detail=f"consent={consent.id} scope={consent.scope}")
        db.session.commit()
        flash(_("Adgangen er trukket tilbage."), "info")
    return redirect(url_for("patient.relatives"), 303)
