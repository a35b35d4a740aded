"""The architecture's arrows: engine/ free of the web layer, rooms in one direction, facades only."""
import ast
import importlib.util
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ENGINE = ROOT / "engine"
_spec = importlib.util.spec_from_file_location("import_graph", ROOT / "scripts" / "import_graph.py")
graph = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(graph)

FORBIDDEN = {"flask", "flask_sqlalchemy", "flask_login", "flask_wtf", "flask_babel",
             "flask_migrate", "marshmallow", "webui"}
# room -> the engine layers it may import (besides itself); the shared modules are open to all
ALLOWED = {
    "engine shared": set(),
    "engine.sandbox": {"engine shared"},
    "engine.definitions": {"engine shared", "engine.sandbox"},
    "engine.runtime": {"engine shared", "engine.sandbox", "engine.definitions"},
    "engine.migration": {"engine shared", "engine.sandbox", "engine.definitions", "engine.runtime"},
    "engine.service": {"engine shared", "engine.sandbox", "engine.definitions", "engine.runtime",
                       "engine.migration"},
    "engine.modeling": {"engine shared", "engine.sandbox", "engine.definitions", "engine.runtime",
                        "engine.migration", "engine.service"},
}
OUTSIDE_MAY_USE = {"engine shared", "engine.service", "engine.modeling"}


def imported_roots(path: Path) -> set[str]:
    """Top-level package names a Python file imports."""
    tree = ast.parse(path.read_text(), filename=str(path))
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def _arrows():
    files = list(graph.project_files())
    known = {graph.module_name(p) for p in files}
    for path in files:
        source = graph.module_name(path)
        for target in graph.module_imports(path, known):
            yield path, source, target


def test_engine_imports_no_web_layer():
    offenders = {str(p.relative_to(ENGINE)): sorted(imported_roots(p) & FORBIDDEN)
                 for p in ENGINE.rglob("*.py")}
    offenders = {k: v for k, v in offenders.items() if v}
    assert not offenders, f"engine/ imports the web layer: {offenders}"


def test_checker_sees_imports(tmp_path):
    sample = tmp_path / "x.py"
    sample.write_text("import flask\nfrom webui.models import User\nimport os\n")
    assert imported_roots(sample) == {"flask", "webui", "os"}


def test_engine_rooms_point_one_way():
    """sandbox ← definitions ← runtime ← migration ← facades; never against the arrow."""
    against = []
    for path, source, target in _arrows():
        src, dst = graph.layer(source), graph.layer(target)
        if src in ALLOWED and target.startswith("engine") and dst != src and dst not in ALLOWED[src]:
            against.append(f"{path.relative_to(ROOT)}: {source} -> {target}")
    assert not against, "imports against the allowed direction:\n" + "\n".join(against)


def test_outside_the_engine_only_the_facades_and_shared_modules():
    """Views, CLI commands, scenarios and the demo never reach past the two facades."""
    side_doors = [f"{path.relative_to(ROOT)}: {target}" for path, source, target in _arrows()
                  if not source.startswith("engine") and target.startswith("engine")
                  and graph.layer(target) not in OUTSIDE_MAY_USE]
    assert not side_doors, "side doors into the engine:\n" + "\n".join(side_doors)


def test_rule_catches_a_new_arrow(tmp_path):
    """The direction check fails on a sandbox module that imports the runtime."""
    assert graph.layer("engine.sandbox.anything") == "engine.sandbox"
    assert "engine.runtime" not in ALLOWED["engine.sandbox"]
    assert "engine.migration" not in ALLOWED["engine.runtime"]
    sample = tmp_path / "x.py"
    sample.write_text("from engine.runtime import spiff\nfrom engine import clock\n")
    assert graph.module_imports(sample, {"engine.runtime.spiff", "engine.clock"}) == \
        {"engine.runtime.spiff", "engine.clock"}


def test_architecture_diagram_is_current():
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "import_graph.py"), "--check"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_each_engine_room_says_what_it_is_for():
    for room in ("sandbox", "definitions", "runtime", "migration"):
        doc = ast.get_docstring(ast.parse((ENGINE / room / "__init__.py").read_text()))
        assert doc and "\n" not in doc.strip(), f"engine/{room}/__init__.py needs a one-line docstring"
