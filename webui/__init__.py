"""The Forløb web application: create_app is the one place that wires things."""
import os

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from engine import service
from webui import sqlite_tuning
from webui.config import build_config
from webui.extensions import babel, csrf, db, login_manager, migrate

MIGRATIONS_DIR = os.path.join(os.path.dirname(__file__), "migrations")


class IdConverter(IntegerConverter):
    """An <int:...> URL part bounded to the database's 32-bit ids (larger numbers are 404)."""

    def __init__(self, map, *args, **kwargs):
        # an unbounded number reaches the database and fails there (overflow → 500)
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def create_app(test_config=None):
    """Create and configure the Flask application."""
    instance_path = os.environ.get("FORLOB_INSTANCE_PATH")
    app = Flask(__name__, instance_path=instance_path, instance_relative_config=True)
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(build_config(app.instance_path))
    if test_config:
        app.config.update(test_config)
    service.configure_sandbox(click_budget_s=app.config.get("CLICK_BUDGET_S"))

    proxies = int(app.config.get("TRUSTED_PROXIES", 0))
    if proxies > 0:
        # Behind N reverse proxies the client address is the N-th from the right of
        # X-Forwarded-For; trusting more hops would let a client choose its own address.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    db.init_app(app)
    sqlite_tuning.tune(app, db)
    migrate.init_app(app, db, directory=MIGRATIONS_DIR)
    csrf.init_app(app)
    login_manager.init_app(app)
    from webui.i18n import install_template_gettext, select_locale
    babel.init_app(app, locale_selector=select_locale)
    install_template_gettext(app)

    _import_models()
    _markers(app)
    # before any route is added: rules bind their converters when they are registered
    app.url_map.converters["int"] = IdConverter
    _register_blueprints(app)
    _register_cli(app)

    if app.config["AUTO_MIGRATE"]:
        with app.app_context():
            from flask_migrate import upgrade
            upgrade(directory=MIGRATIONS_DIR)
    if app.config.get("DEPLOY_ON_START", True):
        from webui.commands.engine_cli import deploy_on_start
        deploy_on_start(app)
    return app


def _markers(app):
    """Load the pathway markers' code table (a bad table stops the start); listen for markers and leave."""
    from webui.fhir import leave
    from webui.markers import codes, recorder
    try:
        app.extensions["marker_codes"] = codes.load_table(app.config.get("MARKER_CODES_FILE"))
    except codes.BadCodeTable as exc:
        raise RuntimeError(f"MARKER_CODES_FILE: {exc}") from None
    recorder.register(db.session)
    leave.register(db.session)   # leave pauses the inpatient deadlines (docs/interop.md)


def _import_models():
    """Import every module that defines tables so the metadata is complete."""
    import engine.modeling  # noqa: F401  (the facades import the tables of their subpackages)
    import engine.models  # noqa: F401
    import engine.service  # noqa: F401
    import webui.api.models  # noqa: F401
    import webui.competencies.models  # noqa: F401
    import webui.fhir.models  # noqa: F401
    import webui.markers.models  # noqa: F401
    import webui.models  # noqa: F401
    import webui.patient.models  # noqa: F401


def _register_blueprints(app):
    """Register every area of the web UI, its error pages and template helpers."""
    from webui import security
    from webui.admin import bp as admin_bp
    from webui.api import bp as api_bp
    from webui.auth import bp as auth_bp
    from webui.common import templating
    from webui.competencies import bp as competencies_bp
    from webui.dashboards import bp as dashboards_bp
    from webui.demo import clock as demo_clock
    from webui.errors import bp as errors_bp
    from webui.errors import register_engine_errors
    from webui.fhir import bp as fhir_bp
    from webui.fhir import everything, read_more  # noqa: F401  (add CarePlan, …, $everything to fhir_read_bp)
    from webui.fhir.read import bp as fhir_read_bp
    from webui.health import bp as health_bp
    from webui.i18n import bp as i18n_bp
    from webui.modeler import bp as modeler_bp
    from webui.notices import bp as notices_bp
    from webui.ops import logs, metrics
    from webui.pathways import bp as pathways_bp
    from webui.worklist import bp as worklist_bp

    for bp in (health_bp, auth_bp, errors_bp, i18n_bp, worklist_bp, pathways_bp, admin_bp,
               modeler_bp, dashboards_bp, notices_bp, api_bp, fhir_bp,
               fhir_read_bp, competencies_bp):
        app.register_blueprint(bp)
    from webui.accessibility import bp as accessibility_bp
    app.register_blueprint(accessibility_bp)
    from webui.patient import bp as patient_bp
    from webui.patient import staff_bp as patient_staff_bp
    app.register_blueprint(patient_bp)
    app.register_blueprint(patient_staff_bp)
    register_engine_errors(app)
    demo_clock.register(app)
    templating.register(app)
    from webui.common import assets
    assets.register(app)
    security.register(app)
    logs.register(app)
    metrics.register(app)


def _register_cli(app):
    from webui.commands.demo_cli import register
    register(app)
