"""Migration 0860: existing drafts learn their task, and drafts left behind become visible."""
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, text

from tests.conftest import make_test_config
from webui import MIGRATIONS_DIR, create_app

NOW = "2026-11-01 10:00:00"


def test_left_behind_drafts_are_kept_closed_and_open_ones_learn_their_form(tmp_path):
    url = "sqlite:///" + str(tmp_path / "old.sqlite")
    app = create_app(make_test_config(url, DEPLOY_ON_START=False))
    with app.app_context():
        upgrade(directory=MIGRATIONS_DIR, revision="0700")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO patient (id, cpr, name, sex, region, municipality, created_at) "
            "VALUES (1, '0101901234', 'P', 'K', 'hovedstaden', 'koebenhavn', :now)"), {"now": NOW})
        conn.execute(text(
            "INSERT INTO definition_version (id, content_hash, process_ids, deployed_by, "
            "deployed_at, note, status) VALUES (1, 'h', '[]', 'x', :now, '', 'deployed')"), {"now": NOW})
        conn.execute(text(
            "INSERT INTO pathway (id, patient_id, version_id, status, lock_version, "
            "guarantee_breached, started_at, updated_at, run_no) "
            "VALUES (1, 1, 1, 'active', 1, 0, :now, :now, 1)"), {"now": NOW})
        conn.execute(text(
            "INSERT INTO worklist_item (id, pathway_id, patient_id, task_id, task_spec, title, "
            "form_id, kind, created_at, patient_name) VALUES (1, 1, 1, 'open-task', "
            "'ustabil_municipal', 'Registrér kommunal indsats', 'ustabil_aktivitet', 'task', "
            ":now, 'P')"), {"now": NOW})
        for task_id in ("open-task", "gone-task"):
            conn.execute(text(
                "INSERT INTO task_draft (pathway_id, task_id, data, actor, saved_at) "
                "VALUES (1, :t, '{\"note\": \"x\"}', 'rus.kbh', :now)"), {"t": task_id, "now": NOW})
    with app.app_context():
        upgrade(directory=MIGRATIONS_DIR, revision="0860")
    with engine.connect() as conn:
        rows = {r.task_id: r for r in conn.execute(text(
            "SELECT task_id, task_spec, form_id, title, closed_at FROM task_draft"))}
    assert rows["open-task"].task_spec == "ustabil_municipal"
    assert rows["open-task"].form_id == "ustabil_aktivitet" and rows["open-task"].closed_at is None
    assert rows["gone-task"].closed_at is not None and rows["gone-task"].form_id is None
    with app.app_context():
        downgrade(directory=MIGRATIONS_DIR, revision="0700")
    engine.dispose()
