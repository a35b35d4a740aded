"""Migrations reach the schema the models describe, on either database."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from webui.extensions import db


def test_migrations_match_models(app):
    with app.app_context():
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
    assert diff == [], f"models and migrations differ: {diff}"
