"""Files a proposal adds must be used: a form by a user task, a decision table by a business rule
task, a diagram's stage by another stage (a `next_stage` script or a call activity).

A stray file (an empty foreign DMN, a form nobody shows) would otherwise ride along unseen.
"""
import ast

from engine.definitions.names import expressions
from engine.definitions.parsing import form_id_of, parse_xml
from engine.definitions.rules import NS, _local, _properties
from engine.errors import InvalidDefinition, Message


def _roots(files):
    roots = {}
    for name, data in files.items():
        if data is not None and name.endswith((".bpmn", ".dmn")):
            try:
                roots[name] = parse_xml(name, data.encode("utf-8") if isinstance(data, str) else data)
            except InvalidDefinition:
                continue  # the rules report it
    return roots


def _strings(text):
    """The string literals of an expression or script (stage names a script may set)."""
    try:
        tree = ast.parse(text.strip())
    except SyntaxError:
        return set()
    return {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)}


def _used(roots, skip):
    """(forms, decisions, stages) that the diagrams other than `skip` use."""
    forms, decisions, stages = set(), set(), set()
    for name, root in roots.items():
        if not name.endswith(".bpmn") or name == skip:
            continue
        forms |= {_properties(t).get("form") for t in root.iterfind(".//bpmn:userTask", NS)}
        decisions |= {(c.text or "").strip() for c in root.iterfind(".//spiffworkflow:calledDecisionId", NS)}
        stages |= {c.get("calledElement") for c in root.iterfind(".//bpmn:callActivity", NS)}
        stages |= {s for _el, _line, _kind, text in expressions(name, root) for s in _strings(text)}
    return forms, decisions, stages


def unreferenced(files, added) -> list[tuple[str, str | None, int | None, str]]:
    """Problems (file, element, line, Danish message) for each added file that nothing uses."""
    roots = _roots(files)
    problems: list[tuple[str, str | None, int | None, str]] = []
    for name in sorted(added):
        forms, decisions, stages = _used(roots, skip=name)
        if form_id_of(name):
            if form_id_of(name) not in forms:
                problems.append((name, form_id_of(name), None,
                                 Message("formularen '%(form)s' bruges ikke af nogen opgave: vælg den som "
                                         "Formular på en brugeropgave, eller fjern filen",
                                         form=form_id_of(name))))
        elif name.endswith(".dmn") and name in roots:
            own = {el.get("id") for el in roots[name].iter() if _local(el) == "decision"}
            if not own & decisions:
                problems.append((name, None, None, Message("ingen regelopgave kalder en beslutning i denne "
                                 "beslutningstabel: vælg den som Beslutningstabel, eller fjern filen")))
        elif name.endswith(".bpmn") and name in roots:
            own = {p.get("id") for p in roots[name].iterfind(".//bpmn:process", NS)}
            if not own & stages:
                problems.append((name, None, None, Message("ingen anden fase fører til dette diagram (next_stage "
                                 "eller kaldaktivitet): forbind det, eller fjern filen")))
    return problems
