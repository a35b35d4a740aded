"""The accessibility statement (tilgængelighedserklæring), public like the login page."""
from datetime import date

from flask import Blueprint, current_app, render_template

bp = Blueprint("accessibility", __name__, template_folder="templates")

# When the statement was last reviewed against the tests and the hand checks; update it
# whenever the known problems listed on the page change (at least once a year).
REVIEWED = date(2026, 12, 6)


@bp.get("/tilgaengelighed")
def statement():
    """Show how far Forløb meets WCAG 2.1 AA, what it does not, and whom to contact."""
    return render_template("accessibility/statement.html", reviewed=REVIEWED,
                           email=current_app.config.get("ACCESSIBILITY_CONTACT_EMAIL", ""),
                           phone=current_app.config.get("ACCESSIBILITY_CONTACT_PHONE", ""))
