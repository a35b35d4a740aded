"""The WSGI entry point for gunicorn: `gunicorn -c scripts/gunicorn.conf.py webui.wsgi:app`."""
import os

from werkzeug.middleware.proxy_fix import ProxyFix

from engine.modeling import bundle_of
from engine.service import latest_version
from forms.registry import form_ids, load_form
from webui import create_app
from webui.extensions import db

app = create_app()


def _warm(app):
    """Parse the newest pathway bundle, the forms and the templates once in the master
    before fork, so no (re)started worker pays for that on its first clicks."""
    with app.app_context():
        version = latest_version(db.session)
        if version is not None:
            bundle_of(db.session, version.id)
        for form_id in form_ids():
            load_form(form_id)
        for name in app.jinja_env.list_templates(extensions=["html"]):
            app.jinja_env.get_template(name)  # compiled once here, shared by every fork
        db.session.remove()
        db.engine.dispose()


_warm(app)

# Behind a TLS-terminating proxy: trust its X-Forwarded-For/-Proto (this many hops), so the
# login throttle sees client addresses and url_for builds https:// links.
_hops = int(os.environ.get("FORLOB_TRUSTED_PROXIES", "0") or 0)
if _hops > 0:
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=_hops, x_proto=_hops, x_host=_hops)
