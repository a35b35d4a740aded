"""The unlock link's page: the user's own login, past the shared back-off (see unlock.py)."""
from flask import abort, flash, make_response, render_template, request
from flask_babel import gettext as _

from engine.audit import record
from webui.auth import bp, log_in, password_ok, throttle, unlock
from webui.extensions import db
from webui.models import User

NO_REFERRER = {"Referrer-Policy": "no-referrer", "Cache-Control": "no-store"}


def _page(status, **context):
    """The unlock page (or its refusal) with headers that keep the token out of logs elsewhere."""
    response = make_response(render_template("auth/unlock.html", **context), status)
    response.headers.update(NO_REFERRER)
    return response


@bp.route("/login/oplaas/<token>", methods=["GET", "POST"])
def unlock_login(token):
    """Log in through a one-time unlock link: the password is still required."""
    source = unlock.source_address()
    wait = unlock.bad_link_wait(source)
    if wait:
        response = _page(429, invalid=True, wait=wait)
        response.headers["Retry-After"] = str(wait)
        return response
    link = unlock.live_link(token)
    if link is None:
        unlock.refuse(source, "invalid, used or expired link")
        return _page(404, invalid=True)
    user = db.session.get(User, link.user_id)
    if user is None or not user.active:
        abort(404)
    if request.method == "GET":
        return _page(200, username=user.username)
    link_id = link.id
    if not unlock.take_attempt(link_id):
        unlock.refuse(source, f"link spent user={user.username}")
        return _page(404, invalid=True)
    good = password_ok(user, request.form.get("password", ""))
    unlock.spend(link_id, good)
    if good:
        throttle.clear_failures(user.username, source)
        return log_in(user, "login_unlocked", detail=f"link={link_id}")
    record(db.session, user.username, "login_failed", detail=f"unlock link={link_id}",
           source=source)
    db.session.commit()
    flash(_("Forkert adgangskode."), "error")
    return _page(401, username=user.username)
