"""Differences between two bundles: elements, flows, lanes, decision rules, forms and fields.

Each change is {"file", "kind", "id", "name", "change", "old", "new", "words", "inputs"};
`old`/`new` hold only the properties that differ (a dict of text), or the whole summary for added
and removed items. `words` holds a word-level diff of every changed text ([op, text] pairs, op
one of "same", "del", "ins"), and `inputs` a decision rule's input cells ([column, cell]), by
which a reviewer recognises the row. Diagram layout (BPMN DI) and form layout (a field's row and
columns) are ignored: moving a shape or a field changes nothing in a pathway.
"""
import difflib
import json
import re

from engine.definitions.parsing import form_id_of, parse_xml
from engine.errors import InvalidDefinition
from forms.registry import field_label

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"
SKIP = {"definitions", "process", "collaboration", "laneSet", "incoming",
        "outgoing", "extensionElements", "documentation", "flowNodeRef", "BPMNDiagram",
        "BPMNPlane", "BPMNShape", "BPMNEdge", "Bounds", "waypoint", "BPMNLabel"}
# form-js properties that only place a field on the screen, or that the editor itself rewrites
FORM_LAYOUT_KEYS = {"id", "components", "layout"}
WORD = re.compile(r"\S+\s*")


def _local(tag):
    return tag.split("}", 1)[-1] if isinstance(tag, str) else ""


def _text(el):
    return " ".join("".join(el.itertext()).split())


def _bpmn_summary(el):
    """The behaviour-relevant properties of one BPMN element, as a flat dict of strings."""
    out = {"type": _local(el.tag)}
    for key, value in sorted(el.attrib.items()):
        if _local(key) not in ("id",):
            out[_local(key)] = value
    for child in el.iter():
        if child is el:
            continue
        tag = _local(child.tag)
        if tag == "property":
            out[f"property:{child.get('name')}"] = child.get("value", "")
        elif tag in ("conditionExpression", "script", "preScript", "postScript", "timeDate",
                     "timeDuration", "timeCycle", "calledDecisionId", "resultVariable"):
            out[tag] = _text(child)
        elif tag == "flowNodeRef":
            out.setdefault("tasks", []).append(_text(child))
        elif tag.endswith("EventDefinition"):
            out["event"] = tag + "".join(f" {_local(k)}={v}" for k, v in child.attrib.items()
                                         if _local(k) != "id")
    if "tasks" in out:
        out["tasks"] = ", ".join(sorted(out["tasks"]))
    return out


def _bpmn_items(root):
    items = {}
    for el in root.iter():
        tag = _local(el.tag)
        if not el.get("id") or tag in SKIP or el.tag is None or not isinstance(el.tag, str):
            continue
        if el.tag.startswith("{" + BPMN) is False:
            continue
        kind = "flow" if tag == "sequenceFlow" else "lane" if tag == "lane" else "element"
        if tag.endswith("EventDefinition") or tag in ("message", "conditionExpression", "script"):
            continue
        items[el.get("id")] = (kind, el.get("name") or "", _bpmn_summary(el))
    for proc in root.iter(f"{{{BPMN}}}process"):
        items[proc.get("id")] = ("element", proc.get("name") or "",
                                 {"type": "process", "name": proc.get("name") or ""})
    return items


def _dmn_items(root):
    items: dict[str, tuple] = {}  # id -> (kind, name, summary[, rule inputs])
    for decision in root.iter():
        if _local(decision.tag) != "decision":
            continue
        table = next((c for c in decision.iter() if _local(c.tag) == "decisionTable"), None)
        if table is None:
            items[decision.get("id")] = ("element", decision.get("name") or "",
                                         {"type": "decision"})
            continue
        columns: dict[str, list[str | None]] = {"input": [], "output": []}  # column labels in order
        summary = {"type": "decision", "hitPolicy": table.get("hitPolicy", "UNIQUE")}
        for col in table:
            kind = _local(col.tag)
            if kind in columns:
                label = col.get("label") or col.get("name") or col.get("id")
                columns[kind].append(label)
                summary[f"{kind}: {label}"] = _text(col)
        items[decision.get("id")] = ("element", decision.get("name") or "", summary)
        for rule in table:
            if _local(rule.tag) == "rule":
                cells = _rule_cells(rule, columns)
                inputs = [[k, v] for k, v in cells.items() if not k.startswith("→") and k != "description"]
                items[rule.get("id")] = ("rule", ", ".join(v for _k, v in inputs), cells, inputs)
    return items


def _rule_cells(rule, columns):
    """A rule's cells keyed by their column labels ("→" marks outputs)."""
    cells, seen = {}, {"inputEntry": 0, "outputEntry": 0}
    for cell in rule:
        kind = _local(cell.tag)
        if kind in seen:
            names = columns["input" if kind == "inputEntry" else "output"]
            i = seen[kind]
            seen[kind] += 1
            label = names[i] if i < len(names) else f"{kind}[{i}]"
            cells[label if kind == "inputEntry" else f"→ {label}"] = _text(cell)
        elif kind == "description":
            cells["description"] = _text(cell)
    return cells


def _flat(value):
    """A property value as text: strings as they are, option lists by their labels, else JSON."""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(v, dict) and "value" in v for v in value):
        return "; ".join(f"{v.get('label', v['value'])} ({v['value']})" for v in value)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "\n".join(value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _properties(mapping, prefix=""):
    """A form-js object's properties as {dotted key: text}, one level of nesting opened."""
    out = {}
    for key, value in sorted(mapping.items()):
        if key in FORM_LAYOUT_KEYS:
            continue
        if isinstance(value, dict) and value and not prefix:
            out.update(_properties(value, f"{key}."))
        else:
            out[f"{prefix}{key}"] = _flat(value)
    return out


def _form_items(text):
    try:
        schema = json.loads(text)
    except (TypeError, ValueError):
        return {}
    meta = schema.get("x-forlob") or {}
    items = {"": ("form", meta.get("title", ""), _properties(meta, "x-forlob.") | {
        f"x-forlob.sections.{k}": _flat(v) for k, v in sorted((meta.get("sections") or {}).items())})}
    items[""][2].pop("x-forlob.sections", None)
    stack = list(schema.get("components") or [])
    while stack:
        comp = stack.pop(0)
        if not isinstance(comp, dict):
            continue
        stack.extend(comp.get("components") or [])
        key = comp.get("key") or comp.get("id")
        if not key:
            continue
        items[key] = ("field", field_label(comp) or comp.get("text", "")[:60], _properties(comp))
    return items


def _items(name, text):
    if form_id_of(name):
        return _form_items(text)
    try:
        root = parse_xml(name, text.encode("utf-8") if isinstance(text, str) else text)
    except InvalidDefinition:
        return {}
    return _dmn_items(root) if name.endswith(".dmn") else _bpmn_items(root)


def _words(old, new):
    """Word-level differences of two texts as [op, text] pairs (op: same, del, ins)."""
    a, b = WORD.findall(old), WORD.findall(new)
    out: list[list[str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(["same", "".join(a[i1:i2])])
        else:
            if i2 > i1:
                out.append(["del", "".join(a[i1:i2])])
            if j2 > j1:
                out.append(["ins", "".join(b[j1:j2])])
    return out


def _compare(name, old_items, new_items):
    changes = []
    for key in sorted(set(old_items) | set(new_items)):
        old, new = old_items.get(key), new_items.get(key)
        kind, label = (new or old)[0], (new or old)[1]
        ident = form_id_of(name) if key == "" else key
        inputs = (new or old)[3] if len(new or old) > 3 else None
        if old is None:
            changes.append(_change(name, kind, ident, label, "added", None, new[2], inputs=inputs))
        elif new is None:
            changes.append(_change(name, kind, ident, label, "removed", old[2], None, inputs=inputs))
        elif old[2] != new[2]:
            keys = sorted(k for k in set(old[2]) | set(new[2]) if old[2].get(k) != new[2].get(k))
            words = {k: _words(old[2][k], new[2][k]) for k in keys
                     if isinstance(old[2].get(k), str) and isinstance(new[2].get(k), str)
                     and " " in (old[2][k] + new[2][k]).strip()}
            changes.append(_change(name, kind, ident, label, "changed",
                                   {k: old[2].get(k) for k in keys},
                                   {k: new[2].get(k) for k in keys}, words=words, inputs=inputs))
    return changes


def _change(file, kind, ident, name, change, old, new, words=None, inputs=None):
    return {"file": file, "kind": kind, "id": ident, "name": name, "change": change,
            "old": old, "new": new, "words": words or {}, "inputs": inputs}


def diff_bundles(old_files, new_files):
    """Every difference between two bundles {name: text}, file by file."""
    old_files, new_files = old_files or {}, new_files or {}
    changes = []
    for name in sorted(set(old_files) | set(new_files)):
        old, new = old_files.get(name), new_files.get(name)
        if old == new:
            continue
        kind = "form" if form_id_of(name) else "file"
        ident = form_id_of(name) or name
        if old is None:
            changes.append(_change(name, kind, ident, name, "added", None, None))
            changes.extend(c for c in _compare(name, {}, _items(name, new)) if c["kind"] != "form")
        elif new is None:
            changes.append(_change(name, kind, ident, name, "removed", None, None))
        else:
            found = _compare(name, _items(name, old), _items(name, new))
            if not found:  # only the layout moved (or the text was reformatted): say so, show nothing
                found = [_change(name, "file", name, name, "changed", None, None) | {"layout_only": True}]
            changes.extend(found)
    return changes
