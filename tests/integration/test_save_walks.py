"""A save walks the workflow's task tree once per question, not once per reader."""
from SpiffWorkflow.bpmn import BpmnWorkflow

from engine.runtime import pathways
from tests.integration.pathway_driver import Driver, at
from webui.extensions import db


def test_a_save_walks_the_task_tree_once(app, monkeypatch):
    with app.app_context():
        drv = Driver(db.session, at("2025-09-01"))
        pathway = drv.through_opstart(drv.enrol(drv.refer("1101901009")), "ustabil")
        walks = []
        real_walk, real_save = BpmnWorkflow.get_tasks, pathways.save

        def counted(self, *args, **kwargs):
            walks.append(kwargs.get("state"))
            return real_walk(self, *args, **kwargs)

        def save(session, live, now):
            monkeypatch.setattr(BpmnWorkflow, "get_tasks", counted)
            try:
                return real_save(session, live, now)
            finally:
                monkeypatch.setattr(BpmnWorkflow, "get_tasks", real_walk)
        monkeypatch.setattr(pathways, "save", save)
        pathway = drv.do(pathway, "ustabil_activity", activity_type="behandlingssamtale")
        assert pathway.stage == "ustabil"
        assert len(walks) == 1, walks  # the open tasks, once (it was five walks)
        open_specs = sorted(i.task_spec for i in drv.items(pathway) if i.kind == "task")
        assert open_specs == ["ustabil_activity", "ustabil_assess", "ustabil_municipal"]
