"""Referral, patient page, task page and timeline."""
from flask import Blueprint

bp = Blueprint("pathways", __name__, template_folder="templates")

from webui.pathways import (  # noqa: E402,F401  (routes)
    caseload,
    inpatient,
    overview,
    patient_choice,
    patient_views,
    referral,
    search_views,
    task_views,
)
