"""The import graph of Forløb's layers, drawn from the code (docs/architecture.md).

`python scripts/import_graph.py --write` rewrites the Mermaid diagram between the markers in
docs/architecture.md; `--check` exits 1 when the diagram there is stale. The layer rules
themselves are asserted by tests/unit/test_layering.py, which uses `module_imports` below.
"""
import argparse
import ast
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "architecture.md"
BEGIN, END = "<!-- import-graph:begin -->", "<!-- import-graph:end -->"
PACKAGES = ("engine", "forms", "scenarios", "webui")
SHARED = {"engine", "engine.errors", "engine.db", "engine.models", "engine.audit", "engine.clock"}
FACADES = {"engine.service", "engine.modeling"}
ROOMS = ("engine.sandbox", "engine.definitions", "engine.runtime", "engine.migration")


def module_name(path: Path) -> str:
    """Dotted module name of a file below ROOT (packages by their __init__)."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_files():
    """Every Python file of the application packages (not tests, not Alembic's versions)."""
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "versions" not in path.parts:
                yield path


def module_imports(path: Path, known: set[str]) -> set[str]:
    """The project modules a file imports, `from pkg import mod` resolved to `pkg.mod`."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                found.add(candidate if candidate in known else node.module)
    return {name for name in found if name.split(".")[0] in PACKAGES}


def layer(module: str) -> str:
    """The box a module belongs to in the diagram."""
    if module in SHARED:
        return "engine shared"
    if module in FACADES:
        return module
    for room in ROOMS:
        if module == room or module.startswith(room + "."):
            return room
    if module.startswith("webui.commands"):
        return "webui.commands"
    return module.split(".")[0]


def edges() -> dict[str, set[str]]:
    """Layer → layers it imports, from every import in the code."""
    files = list(project_files())
    known = {module_name(p) for p in files}
    graph = defaultdict(set)
    for path in files:
        source = layer(module_name(path))
        for target in module_imports(path, known):
            if layer(target) != source:
                graph[source].add(layer(target))
    return graph


def mermaid() -> str:
    """The graph as a Mermaid flowchart, sorted so the text is stable."""
    ident = {name: name.replace(".", "_").replace(" ", "_") for name in
             {n for src, dsts in edges().items() for n in (src, *dsts)}}
    lines = ["```mermaid", "flowchart TD"]
    for name in sorted(ident):
        lines.append(f'    {ident[name]}["{name}"]')
    for source, targets in sorted(edges().items()):
        for target in sorted(targets):
            lines.append(f"    {ident[source]} --> {ident[target]}")
    lines.append("```")
    return "\n".join(lines)


def block() -> str:
    """The marked block as it should stand in docs/architecture.md."""
    return f"{BEGIN}\n{mermaid()}\n{END}"


def current_block() -> str:
    """The marked block as it stands in docs/architecture.md now."""
    text = DOC.read_text()
    start, end = text.index(BEGIN), text.index(END) + len(END)
    return text[start:end]


def main(argv=None) -> int:
    """--write the diagram into the doc, or --check that it is current."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write", action="store_true")
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    if args.write:
        text = DOC.read_text()
        DOC.write_text(text.replace(current_block(), block()))
        return 0
    if args.check:
        stale = current_block() != block()
        if stale:
            print("docs/architecture.md: the import graph is stale; run "
                  "`python scripts/import_graph.py --write`")
        return 1 if stale else 0
    print(mermaid())
    return 0


if __name__ == "__main__":
    sys.exit(main())
