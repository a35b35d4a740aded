"""Which elements a change can alter, so validation reruns only the scenarios that reach them.

A scenario's run is decided by the elements it reaches: if none of them changed, it runs exactly
as it did on the base version. Changes map to elements as follows: an element to itself (and a
boundary event to the task it sits on), a flow to the element it leaves, a lane to the tasks it
gains or loses, a form or field to the user tasks that show the form, a decision row whose
outputs alone changed to that row (journeys note the rows they matched), and anything else in a
decision table file to the business rule tasks that call its decisions. A new name of a task, flow or lane
alters no journey (scenarios check stages, phases, tasks by id, lanes and data; a stage's name
is its phase, so a process's name does count). What cannot be mapped (an
unreadable file, a removed file, a new diagram) means every scenario.
"""
from engine.definitions.diff import diff_bundles
from engine.definitions.parsing import form_id_of, parse_xml
from engine.definitions.rules import NS, _local, _properties
from engine.errors import InvalidDefinition


def _roots(files):
    """The parsed BPMN and DMN documents of a bundle (unreadable ones left out)."""
    roots = {}
    for name, data in (files or {}).items():
        if data is None or not name.endswith((".bpmn", ".dmn")):
            continue
        try:
            roots[name] = parse_xml(name, data.encode("utf-8") if isinstance(data, str) else data)
        except InvalidDefinition:
            continue
    return roots


def _links(roots):
    """(element id → ids it depends on, form id → user tasks, DMN file → rule tasks)."""
    leads: dict[str, set[str]] = {}
    by_form: dict[str, set[str]] = {}
    by_dmn: dict[str, set[str]] = {}
    decisions = {el.get("id"): name for name, root in roots.items() if name.endswith(".dmn")
                 for el in root.iter() if _local(el) == "decision"}
    for root in (r for n, r in roots.items() if n.endswith(".bpmn")):
        for el in root.iter():
            if not isinstance(el.tag, str) or not el.get("id"):
                continue
            ref = el.get("sourceRef") or el.get("attachedToRef")
            if ref:
                leads.setdefault(el.get("id"), set()).add(ref)
        for task in root.iterfind(".//bpmn:userTask", NS):
            form = _properties(task).get("form")
            if form:
                by_form.setdefault(form, set()).add(task.get("id"))
        for called in root.iterfind(".//spiffworkflow:calledDecisionId", NS):
            owner = called.getparent()
            while owner is not None and not owner.get("id"):
                owner = owner.getparent()
            dmn = decisions.get((called.text or "").strip())
            if dmn and owner is not None:
                by_dmn.setdefault(dmn, set()).add(owner.get("id"))
    return leads, by_form, by_dmn


def _wording_only(change, stages):
    """True for a renamed task, flow or lane: nothing a journey does depends on that name."""
    keys = set(change["old"] or {}) | set(change["new"] or {})
    return change["change"] == "changed" and change["kind"] in ("element", "flow", "lane") \
        and keys == {"name"} and change["id"] not in stages


def affected_elements(old_files, new_files) -> set[str] | None:
    """Element ids (and stage ids) whose runs the change can alter; None when it may alter any."""
    roots = [_roots(old_files), _roots(new_files)]
    changed = {n for n in set(old_files or {}) | set(new_files or {})
               if (old_files or {}).get(n) != (new_files or {}).get(n) and n.endswith((".bpmn", ".dmn"))}
    if any(n not in roots[0] or n not in roots[1] for n in changed):
        return None  # a diagram came, went or cannot be read
    links = [_links(r) for r in roots]
    stages = {p.get("id") for r in roots for root in r.values() for p in root.iterfind(".//bpmn:process", NS)}
    affected: set[str] = set()
    for change in diff_bundles(old_files, new_files):
        kind, ident, name = change["kind"], change["id"], change["file"]
        if _wording_only(change, stages):
            continue
        if kind == "file":
            if change.get("layout_only"):
                continue
            return None
        if kind == "rule" and change["change"] == "changed" and all(
                key.startswith("→") for key in change["new"] or {}):
            affected.add(ident)  # same inputs: only journeys that matched this row see the change
        elif name.endswith(".dmn"):
            affected |= {t for _leads, _forms, by_dmn in links for t in by_dmn.get(name, ())}
        elif form_id_of(name):
            affected |= {t for _leads, by_form, _dmn in links for t in by_form.get(form_id_of(name), ())}
        elif kind == "lane":
            for side in (change.get("old") or {}, change.get("new") or {}):
                affected |= {t.strip() for t in str(side.get("tasks") or "").split(",") if t.strip()}
        else:
            affected.add(ident)
            affected |= {ref for leads, _forms, _dmn in links for ref in leads.get(ident, ())}
    return affected
