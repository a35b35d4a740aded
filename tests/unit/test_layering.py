"""engine/ must not depend on the web layer."""
import ast
from pathlib import Path

FORBIDDEN = {"flask", "flask_sqlalchemy", "flask_login", "flask_wtf", "flask_babel",
             "flask_migrate", "marshmallow", "webui"}
ENGINE = Path(__file__).resolve().parents[2] / "engine"


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


def test_engine_imports_no_web_layer():
    offenders = {str(p.relative_to(ENGINE)): sorted(imported_roots(p) & FORBIDDEN)
                 for p in ENGINE.rglob("*.py")}
    offenders = {k: v for k, v in offenders.items() if v}
    assert not offenders, f"engine/ imports the web layer: {offenders}"


def test_checker_sees_imports(tmp_path):
    sample = tmp_path / "x.py"
    sample.write_text("import flask\nfrom webui.models import User\nimport os\n")
    assert imported_roots(sample) == {"flask", "webui", "os"}
