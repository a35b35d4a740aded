"""Forløb's own definition rules, checked on top of the BPMN schema (contracts §1–2)."""
from engine.definitions.cycles import cycle_problem
from engine.errors import Message, SandboxViolation
from engine.sandbox import isolation
from engine.sandbox.expressions import is_iso_literal

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"
NS = {"bpmn": BPMN, "spiffworkflow": SPIFF}
ENTRY_STAGE = "henvisning"

# lane name -> (role that works it, workflow data key holding the organisation code)
LANES = {
    "psykiatri": ("regional_clinician", "region_org"),
    "kommune": ("municipal_clinician", "municipality_org"),
    "tovholder": ("tovholder", "tovholder_org"),
    # the patient's own tasks (questionnaires from home); no staff user holds this role, and
    # the patient area completes them (webui/patient/schedule.py)
    "patient": ("patient", "tovholder_org"),
}
FLOW_CONTAINERS = ("process", "subProcess", "transaction", "adHocSubProcess")


def _local(el):
    return el.tag.split("}", 1)[-1] if isinstance(el.tag, str) else ""


def _owner_id(el):
    """Id of the nearest ancestor (or self) that has one."""
    while el is not None:
        if el.get("id"):
            return el.get("id")
        el = el.getparent()
    return None


def check_documents(roots):
    """All XML-level rules over the bundle; returns a list of problems."""
    problems = []
    problems.extend(_unique_process_ids(roots))
    decisions = {el.get("id") for name, root in roots.items() if name.endswith(".dmn")
                 for el in root.iter() if _local(el) == "decision"}
    processes = {proc.get("id") for root in roots.values()
                 for proc in root.iterfind(".//bpmn:process", NS)}
    for name, root in roots.items():
        if name.endswith(".bpmn"):
            problems.extend(_references(name, root, decisions, processes))
            problems.extend(_no_cycles(name, root))
            problems.extend(_no_standard_loops(name, root))
            problems.extend(_user_tasks_declared(name, root))
            problems.extend(_bpmn_expressions(name, root))
            problems.extend(_bounded_cycles(name, root))
        else:
            problems.extend(_dmn_expressions(name, root))
    return problems


def check_specs(bundle, roots, known_forms):
    """Rules over the parsed processes (entry stage present; forms known)."""
    problems = []
    if bundle.processes and ENTRY_STAGE not in bundle.processes:
        problems.append((None, None, None, Message("indgangsfasens proces '%(stage)s' mangler", stage=ENTRY_STAGE)))
    if known_forms is not None:
        for name, root in roots.items():
            for task in root.iterfind(".//bpmn:userTask", NS):
                form = _properties(task).get("form")
                if form and form not in known_forms:
                    problems.append((name, task.get("id"), task.sourceline,
                                     Message("brugeropgaven peger på formularen '%(form)s', som ikke findes",
                                             form=form)))
    return problems


def _unique_process_ids(roots):
    seen: dict[str | None, str] = {}  # process id -> file that defines it first
    problems = []
    for name, root in roots.items():
        for proc in root.iterfind(".//bpmn:process", NS):
            pid = proc.get("id")
            if pid in seen:
                problems.append((name, pid, proc.sourceline,
                                 Message("proces-id'et '%(pid)s' er også defineret i %(file)s",
                                         pid=pid, file=seen[pid])))
            seen.setdefault(pid, name)
    return problems


def _no_cycles(name, root):
    """Sequence flows inside each process or subprocess must form no cycle (contracts §1)."""
    problems = []
    for container in root.iter():
        if _local(container) not in FLOW_CONTAINERS:
            continue
        graph: dict[str | None, list[str | None]] = {}  # element id -> ids its flows lead to
        flows = {}
        for child in container:
            kind = _local(child)
            if kind == "sequenceFlow":
                src, dst = child.get("sourceRef"), child.get("targetRef")
                graph.setdefault(src, []).append(dst)
                flows[(src, dst)] = child
            elif kind == "boundaryEvent" and child.get("attachedToRef"):
                graph.setdefault(child.get("attachedToRef"), []).append(child.get("id"))
        edge = _find_back_edge(graph)
        if edge:
            flow = flows.get(edge)
            problems.append((name, flow.get("id") if flow is not None else edge[1],
                             flow.sourceline if flow is not None else container.sourceline,
                             Message("sekvensflowene danner en løkke gennem '%(target)s' i '%(container)s'; en "
                                     "fase gentages ved at slutte med next_stage sat til sig selv",
                                     target=edge[1], container=container.get("id"))))
    return problems


def _references(name, root, decisions, processes):
    """Flows, boundary events, messages, decisions and called processes exist.

    SpiffWorkflow silently drops a sequence flow whose end does not exist, so a run could
    complete (and the pathway end) where the author drew a path on.
    """
    problems = []
    for container in root.iter():
        if _local(container) not in FLOW_CONTAINERS:
            continue
        ids = {child.get("id") for child in container if child.get("id")}
        for child in container:
            refs = {"sequenceFlow": ("sourceRef", "targetRef"),
                    "boundaryEvent": ("attachedToRef",)}.get(_local(child), ())
            for attr in refs:
                if child.get(attr) not in ids:
                    problems.append((name, child.get("id"), child.sourceline,
                                     Message("%(attr)s '%(ref)s' er ikke et element i '%(container)s'",
                                             attr=attr, ref=child.get(attr),
                                             container=container.get("id"))))
    messages = {m.get("id") for m in root.iterfind("bpmn:message", NS)}
    for ref in root.iterfind(".//bpmn:messageEventDefinition[@messageRef]", NS):
        if ref.get("messageRef") not in messages:
            problems.append((name, _owner_id(ref.getparent()), ref.sourceline,
                             Message("messageRef '%(ref)s' peger ikke på nogen bpmn:message",
                                     ref=ref.get("messageRef"))))
    for called in root.iterfind(".//spiffworkflow:calledDecisionId", NS):
        decision = (called.text or "").strip()
        if decision not in decisions:
            problems.append((name, _owner_id(called), called.sourceline,
                             Message("calledDecisionId '%(decision)s' peger ikke på nogen DMN-beslutning "
                                     "i pakken", decision=decision)))
    for call in root.iterfind(".//bpmn:callActivity", NS):
        if call.get("calledElement") not in processes:
            problems.append((name, call.get("id"), call.sourceline,
                             Message("calledElement '%(process)s' peger ikke på nogen proces i pakken",
                                     process=call.get("calledElement"))))
    return problems


def _find_back_edge(graph):
    """Return one (source, target) edge that closes a cycle, or None (iterative DFS)."""
    colour: dict[str | None, int] = {}  # node -> 1 while on the DFS stack, 2 when finished
    for start in list(graph):
        if colour.get(start):
            continue
        stack = [(start, iter(graph.get(start, ())))]
        colour[start] = 1
        while stack:
            node, children = stack[-1]
            for nxt in children:
                if colour.get(nxt) == 1:
                    return node, nxt
                if not colour.get(nxt):
                    colour[nxt] = 1
                    stack.append((nxt, iter(graph.get(nxt, ()))))
                    break
            else:
                colour[node] = 2
                stack.pop()
    return None


def _no_standard_loops(name, root):
    return [(name, _owner_id(el), el.sourceline,
             Message("standardløkker får opgavetræet til at vokse uden grænse; gentag fasen i stedet"))
            for el in root.iterfind(".//bpmn:standardLoopCharacteristics", NS)]


def _properties(task):
    return {p.get("name"): p.get("value")
            for p in task.iterfind("bpmn:extensionElements/spiffworkflow:properties/"
                                   "spiffworkflow:property", NS)}


def _user_tasks_declared(name, root):
    """Every user task names a form and lies in a known lane."""
    lanes = {}
    for lane in root.iterfind(".//bpmn:lane", NS):
        for ref in lane.iterfind("bpmn:flowNodeRef", NS):
            lanes[(ref.text or "").strip()] = lane.get("name")
    problems = []
    for task in root.iterfind(".//bpmn:userTask", NS):
        tid = task.get("id")
        if not _properties(task).get("form"):
            problems.append((name, tid, task.sourceline, Message("brugeropgaven har ingen 'form'-egenskab")))
        lane = lanes.get(tid)
        if lane not in LANES:
            problems.append((name, tid, task.sourceline,
                             Message("brugeropgaven ligger i banen %(lane)s; forventet en af %(lanes)s",
                                     lane=repr(lane), lanes=", ".join(sorted(LANES)))))
    return problems


def _compile(name, element, line, source, mode, what):
    try:
        isolation.check(source, mode)  # in a worker: compiling can be made slow or huge
    except SandboxViolation as exc:
        return [(name, element, line, Message("%(what)s kan ikke kompileres i sandkassen: %(reason)s",
                                           what=what, reason=exc.reason))]
    return []


def _bpmn_expressions(name, root):
    """Gateway conditions, scripts, timers and `due` properties compile in the sandbox."""
    problems = []
    for cond in root.iterfind(".//bpmn:conditionExpression", NS):
        if (cond.text or "").strip():
            problems += _compile(name, _owner_id(cond), cond.sourceline, cond.text, "eval",
                                 Message("betingelsen"))
    for script in root.iterfind(".//bpmn:scriptTask/bpmn:script", NS):
        if (script.text or "").strip():
            problems += _compile(name, _owner_id(script), script.sourceline, script.text, "exec",
                                 Message("scriptet"))
    for tag in ("preScript", "postScript"):
        for script in root.iterfind(f".//spiffworkflow:{tag}", NS):
            if (script.text or "").strip():
                problems += _compile(name, _owner_id(script), script.sourceline, script.text,
                                     "exec", tag)
    for tag in ("timeDate", "timeDuration", "timeCycle"):
        for timer in root.iterfind(f".//bpmn:{tag}", NS):
            text = (timer.text or "").strip()
            if not text:
                problems.append((name, _owner_id(timer), timer.sourceline, Message("tom %(tag)s", tag=tag)))
            elif not is_iso_literal(text):
                problems += _compile(name, _owner_id(timer), timer.sourceline, text, "eval",
                                     Message("%(tag)s-udtrykket", tag=tag))
    for task in root.iterfind(".//bpmn:userTask", NS):
        due = _properties(task).get("due")
        if due:
            problems += _compile(name, task.get("id"), task.sourceline, due, "eval",
                                 Message("'due'-udtrykket"))
    return problems


def _bounded_cycles(name, root):
    """Every cycle timer has a count and an interval within the bounds above."""
    problems = []
    for timer in root.iterfind(".//bpmn:timeCycle", NS):
        problem = cycle_problem(timer.text)
        if problem:  # named by its event (timeCycle -> timerEventDefinition -> event)
            definition = timer.getparent()
            event = definition.getparent() if definition is not None else None
            problems.append((name, _owner_id(event if event is not None else timer),
                             timer.sourceline, problem))
    return problems


def _dmn_expressions(name, root):
    """DMN input expressions, input entries and output entries compile in the sandbox."""
    problems = []
    for el in root.iter():
        kind = _local(el)
        if kind not in ("inputExpression", "inputEntry", "outputEntry"):
            continue
        text_el = next((c for c in el if _local(c) == "text"), None)
        text = (text_el.text or "").strip() if text_el is not None else ""
        if not text or text == "-":
            continue
        if kind == "inputEntry":
            candidates = [f"(dmninputexpr) == ({text})", f"dmninputexpr {text}",
                          text.replace("?", "dmninputexpr")]
            if not any(_compiles(c) for c in candidates):
                problems.append((name, _owner_id(el), el.sourceline,
                                 Message("indgangsværdien %(text)s kan ikke kompileres i sandkassen",
                                         text=repr(text))))
        else:
            problems += _compile(name, _owner_id(el), el.sourceline, text, "eval",
                                 Message("inputudtrykket") if kind == "inputExpression"
                                 else Message("outputværdien"))
    return problems


def _compiles(source):
    try:
        isolation.check(source, "eval")
        return True
    except SandboxViolation:
        return False
