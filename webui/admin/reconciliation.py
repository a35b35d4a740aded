"""Administrators: HospitalNotifications about patients we did not know, to reconcile.

A message for a CPR no pathway of the client's organisation has is acknowledged and kept
(docs/interop.md). Only administrators of that organisation see it here, never staff of other
regions. Once the patient has a pathway, "Behandl igen" applies the stored message as if it
arrived now; "Afslut" closes it with a reason, without effect. Both are audited.
"""
import json

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from webui.access import require_area
from webui.admin import bp
from webui.api.models import ApiClient
from webui.audit import audit
from webui.common.paging import page_count, page_number
from webui.extensions import db
from webui.fhir.effects import Receiver, Refusal
from webui.fhir.hospital_notification import parse
from webui.fhir.models import HospitalMessage
from webui.models import utcnow

PAGE_SIZE = 50


def _open_where():
    """Unmatched, not yet reconciled messages of clients of the administrator's organisation."""
    return [HospitalMessage.outcome == "unmatched", HospitalMessage.reconciled_at.is_(None),
            HospitalMessage.client_id.in_(select(ApiClient.id).where(
                ApiClient.organisation_code == current_user.organisation_code))]


def _name(body):
    """The patient's name as the message gives it (for recognising the patient)."""
    for entry in (body or {}).get("entry", []):
        resource = entry.get("resource") or {}
        if resource.get("resourceType") == "Patient":
            name = (resource.get("name") or [{}])[0]
            return name.get("text") or " ".join([*name.get("given", []), name.get("family", "")]).strip()
    return ""


@bp.get("/sygehusadviser")
@require_area("admin")
def reconciliation():
    """The open unmatched HospitalNotifications of the organisation's clients, oldest first."""
    where = _open_where()
    total = db.session.scalar(select(func.count()).select_from(HospitalMessage).where(*where))
    pages = page_count(total, PAGE_SIZE)
    page = min(page_number(request.args), pages)
    rows = db.session.execute(select(HospitalMessage, ApiClient.name).join(
        ApiClient, ApiClient.id == HospitalMessage.client_id).where(*where)
        .order_by(HospitalMessage.received_at, HospitalMessage.id)
        .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    audit("hn_reconcile_list", detail=f"org={current_user.organisation_code} page={page} rows={len(rows)}")
    db.session.commit()
    return render_template("admin/reconciliation.html", rows=[(m, client, _name(m.body)) for m, client in rows],
                           total=total, page=page, pages=pages)


def _message(message_id):
    row = db.session.scalar(select(HospitalMessage).where(HospitalMessage.id == message_id, *_open_where()))
    if row is None:
        abort(404)   # another organisation's message, or one already reconciled: not disclosed
    return row


@bp.post("/sygehusadviser/<int:message_id>/behandl")
@require_area("admin")
def reprocess(message_id):
    """Apply a kept message now that the patient may have a pathway of the organisation."""
    row = _message(message_id)
    client = db.session.get(ApiClient, row.client_id)
    note, problem, _body = parse(json.dumps(row.body).encode("utf-8"))
    if problem is not None:   # the message was valid when it came; a changed rule may refuse it
        flash(_("Beskeden kan ikke behandles: %(code)s %(text)s", code=problem.code, text=problem.text), "error")
        return redirect(url_for("admin.reconciliation"), code=303)
    actor = f"{current_user.username} (api:{client.name})"[:80]
    try:
        done = Receiver(db.session, client, note, actor).apply()
    except Refusal as refusal:
        db.session.rollback()
        flash(_("Beskeden passer ikke til forløbet: %(code)s %(text)s", code=refusal.code, text=refusal.text),
              "error")
        return redirect(url_for("admin.reconciliation"), code=303)
    if done.outcome == "unmatched":
        db.session.rollback()
        flash(_("Der er stadig intet forløb i din organisation med dette CPR-nummer. Intet er ændret."), "error")
        return redirect(url_for("admin.reconciliation"), code=303)
    row.outcome, row.patient_id, row.pathway_id = done.outcome, done.patient_id, done.pathway_id
    row.reconciled_at, row.reconciled_by = utcnow(), current_user.username
    audit("hn_reconcile", patient_id=done.patient_id, pathway_id=done.pathway_id,
          detail=f"{row.message_id}: {row.code} reprocessed: {done.outcome}")
    db.session.commit()
    flash(_("Sygehusadvisen %(code)s er behandlet: %(text)s", code=row.code, text=done.text), "success")
    return redirect(url_for("admin.reconciliation"), code=303)


@bp.post("/sygehusadviser/<int:message_id>/afslut")
@require_area("admin")
def dismiss(message_id):
    """Close a kept message without effect (e.g. a patient who is not in an integrated pathway)."""
    row = _message(message_id)
    reason = " ".join(request.form.get("reason", "").split())[:200]
    if len(reason) < 3:
        flash(_("Skriv en begrundelse (mindst 3 tegn). Intet er ændret."), "error")
        return redirect(url_for("admin.reconciliation"), code=303)
    row.outcome, row.reconciled_at, row.reconciled_by = "dismissed", utcnow(), current_user.username
    audit("hn_reconcile", detail=f"{row.message_id}: {row.code} dismissed: {reason}")
    db.session.commit()
    flash(_("Sygehusadvisen er afsluttet uden virkning."), "success")
    return redirect(url_for("admin.reconciliation"), code=303)
