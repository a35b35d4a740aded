"""BPMN XML writer with a grid layout: turns a process described as data into BPMN 2.0 + DI.

The pathway's stages are authored as data in ``bpmn/stages.py`` and written to ``*.bpmn`` by
``python -m bpmn.stages``. The written files are the deployed artefacts; process owners may
edit them in the modeler afterwards (the generator is an authoring aid, not a runtime part).
"""
from xml.sax.saxutils import escape, quoteattr

LANE_ORDER = ("psykiatri", "kommune", "tovholder")
LANE_LABELS = {
    "psykiatri": "psykiatri (regionspsykiatrien)",
    "kommune": "kommune (kommunal rusmiddelbehandling)",
    "tovholder": "tovholder (forløbskoordinator)",
}
COL_W, ROW_H, LANE_HEAD, LEFT = 150, 110, 30, 60
SIZES = {"task": (120, 80), "event": (36, 36), "gateway": (50, 50)}
KIND_SHAPE = {
    "start": "event", "end": "event", "terminate": "event", "timer": "event", "message": "event",
    "user": "task", "script": "task", "rule": "task", "xor": "gateway", "and": "gateway",
}
KIND_TAG = {
    "start": "startEvent", "end": "endEvent", "terminate": "endEvent",
    "timer": "intermediateCatchEvent", "message": "intermediateCatchEvent",
    "user": "userTask", "script": "scriptTask", "rule": "businessRuleTask",
    "xor": "exclusiveGateway", "and": "parallelGateway",
}
MESSAGES = ("indlagt", "udskrevet")


def node(id, kind, name, lane, col, row=0, **extra):
    """One flow node: id, kind (see KIND_TAG), label, lane, grid column and row within the lane."""
    return {"id": id, "kind": kind, "name": name, "lane": lane, "col": col, "row": row, **extra}


def flow(src, tgt, condition=None, name=None, default=False):
    """One sequence flow, optionally conditional or the gateway's default."""
    return {"src": src, "tgt": tgt, "condition": condition, "name": name, "default": default}


def _body(n):
    """Inner XML of a flow node (extensions, scripts, event definitions)."""
    parts = []
    props = n.get("props")
    if props:
        items = "".join(f'<spiffworkflow:property name="{k}" value={quoteattr(v)}/>' for k, v in props.items())
        parts.append(f"<bpmn:extensionElements><spiffworkflow:properties>{items}"
                     "</spiffworkflow:properties></bpmn:extensionElements>")
    if n["kind"] == "rule":
        parts.append("<bpmn:extensionElements><spiffworkflow:calledDecisionId>"
                     f"{n['decision']}</spiffworkflow:calledDecisionId></bpmn:extensionElements>")
    for f in n["_in"]:
        parts.append(f"<bpmn:incoming>{f['id']}</bpmn:incoming>")
    for f in n["_out"]:
        parts.append(f"<bpmn:outgoing>{f['id']}</bpmn:outgoing>")
    if n["kind"] == "script":
        parts.append(f"<bpmn:script>{escape(n['script'])}</bpmn:script>")
    if n["kind"] == "terminate":
        parts.append("<bpmn:terminateEventDefinition/>")
    if n["kind"] == "timer":
        parts.append('<bpmn:timerEventDefinition><bpmn:timeDate xsi:type="bpmn:tFormalExpression">'
                     f"{escape(n['timer'])}</bpmn:timeDate></bpmn:timerEventDefinition>")
    if n["kind"] == "message":
        parts.append(f'<bpmn:messageEventDefinition messageRef="msg_{n["message"]}"/>')
    return "\n      ".join(parts)


def _place(process):
    """Compute lane boxes and node bounds (x, y, w, h) from the grid positions."""
    lanes = [lane for lane in LANE_ORDER if any(n["lane"] == lane for n in process["nodes"])]
    rows = {lane: 1 + max(n["row"] for n in process["nodes"] if n["lane"] == lane) for lane in lanes}
    top, lane_box = 40, {}
    for lane in lanes:
        lane_box[lane] = (top, rows[lane] * ROW_H)
        top += rows[lane] * ROW_H
    width = LEFT + 70 + (1 + max(n["col"] for n in process["nodes"])) * COL_W
    for n in process["nodes"]:
        w, h = SIZES[KIND_SHAPE[n["kind"]]]
        cx = LEFT + 30 + 40 + n["col"] * COL_W + COL_W // 2
        cy = lane_box[n["lane"]][0] + n["row"] * ROW_H + ROW_H // 2
        n["_b"] = (cx - w // 2, cy - h // 2, w, h)
    return lanes, lane_box, width, top


def _waypoints(src, tgt):
    """Orthogonal edge route: gateways split and join vertically, tasks connect with an elbow."""
    sx, sy, sw, sh = src["_b"]
    tx, ty, tw, th = tgt["_b"]
    s_mid, t_mid = sy + sh // 2, ty + th // 2
    if s_mid == t_mid:
        return [(sx + sw, s_mid), (tx, t_mid)]
    if KIND_SHAPE[src["kind"]] == "gateway" and sx + sw <= tx:
        exit_y = sy if t_mid < s_mid else sy + sh
        return [(sx + sw // 2, exit_y), (sx + sw // 2, t_mid), (tx, t_mid)]
    if KIND_SHAPE[tgt["kind"]] == "gateway":
        enter_y = ty if s_mid < t_mid else ty + th
        return [(sx + sw, s_mid), (tx + tw // 2, s_mid), (tx + tw // 2, enter_y)]
    mid = tx - 20
    return [(sx + sw, s_mid), (mid, s_mid), (mid, t_mid), (tx, t_mid)]


def render(process):
    """Return the BPMN 2.0 XML (with DI) of one process described as data."""
    pid = process["id"]
    nodes = {n["id"]: n for n in process["nodes"]}
    for n in nodes.values():
        n["_in"], n["_out"] = [], []
    for i, f in enumerate(process["flows"], 1):
        f["id"] = f"Flow_{pid}_{i}"
        nodes[f["src"]]["_out"].append(f)
        nodes[f["tgt"]]["_in"].append(f)
    lanes, lane_box, width, height = _place(process)

    sem = []
    for n in nodes.values():
        attrs = f'id="{n["id"]}" name={quoteattr(n["name"])}'
        default = next((f["id"] for f in n["_out"] if f["default"]), None)
        if default:
            attrs += f' default="{default}"'
        sem.append(f'    <bpmn:{KIND_TAG[n["kind"]]} {attrs}>\n      {_body(n)}\n    </bpmn:{KIND_TAG[n["kind"]]}>')
    for f in process["flows"]:
        name = f' name={quoteattr(f["name"])}' if f["name"] else ""
        cond = (f'<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">{escape(f["condition"])}'
                "</bpmn:conditionExpression>") if f["condition"] else ""
        sem.append(f'    <bpmn:sequenceFlow id="{f["id"]}"{name} sourceRef="{f["src"]}" targetRef="{f["tgt"]}">'
                   f"{cond}</bpmn:sequenceFlow>")
    lane_xml = []
    for lane in lanes:
        refs = "".join(f"<bpmn:flowNodeRef>{n['id']}</bpmn:flowNodeRef>" for n in nodes.values() if n["lane"] == lane)
        lane_xml.append(f'      <bpmn:lane id="Lane_{pid}_{lane}" name="{lane}">{refs}</bpmn:lane>')

    di = [f'      <bpmndi:BPMNShape id="Participant_{pid}_di" bpmnElement="Participant_{pid}" isHorizontal="true">'
          f'<dc:Bounds x="{LEFT}" y="40" width="{width}" height="{height - 40}"/></bpmndi:BPMNShape>']
    for lane in lanes:
        y, h = lane_box[lane]
        di.append(f'      <bpmndi:BPMNShape id="Lane_{pid}_{lane}_di" bpmnElement="Lane_{pid}_{lane}" isHorizontal="true">'
                  f'<dc:Bounds x="{LEFT + 30}" y="{y}" width="{width - 30}" height="{h}"/></bpmndi:BPMNShape>')
    for n in nodes.values():
        x, y, w, h = n["_b"]
        label = ""
        if KIND_SHAPE[n["kind"]] != "task":
            # Gateway labels sit above the diamond, where outgoing flows never run.
            label_y = y - 31 if KIND_SHAPE[n["kind"]] == "gateway" else y + h + 4
            label = f'<bpmndi:BPMNLabel><dc:Bounds x="{x - 32}" y="{label_y}" width="{w + 64}" height="27"/></bpmndi:BPMNLabel>'
        marker = ' isMarkerVisible="true"' if n["kind"] == "xor" else ""
        di.append(f'      <bpmndi:BPMNShape id="{n["id"]}_di" bpmnElement="{n["id"]}"{marker}>'
                  f'<dc:Bounds x="{x}" y="{y}" width="{w}" height="{h}"/>{label}</bpmndi:BPMNShape>')
    for f in process["flows"]:
        pts = "".join(f'<di:waypoint x="{x}" y="{y}"/>' for x, y in _waypoints(nodes[f["src"]], nodes[f["tgt"]]))
        di.append(f'      <bpmndi:BPMNEdge id="{f["id"]}_di" bpmnElement="{f["id"]}">{pts}</bpmndi:BPMNEdge>')

    messages = "\n".join(f'  <bpmn:message id="msg_{m}" name="{m}"/>' for m in MESSAGES
                         if any(n.get("message") == m for n in nodes.values()))
    doc = process.get("doc", "")
    return f'''<?xml version="1.0" encoding="UTF-8"?>
<!-- {escape(doc)} Written by bpmn/stages.py; draft for clinical review. -->
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI"
  xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"
  xmlns:di="http://www.omg.org/spec/DD/20100524/DI"
  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
  id="Definitions_{pid}" targetNamespace="http://forlob.dk/bpmn/{pid}">
{messages}
  <bpmn:collaboration id="Collaboration_{pid}">
    <bpmn:participant id="Participant_{pid}" name={quoteattr(process["name"])} processRef="{pid}"/>
  </bpmn:collaboration>
  <bpmn:process id="{pid}" name={quoteattr(process["name"])} isExecutable="true">
    <bpmn:laneSet id="LaneSet_{pid}">
{chr(10).join(lane_xml)}
    </bpmn:laneSet>
{chr(10).join(sem)}
  </bpmn:process>
  <bpmndi:BPMNDiagram id="Diagram_{pid}">
    <bpmndi:BPMNPlane id="Plane_{pid}" bpmnElement="Collaboration_{pid}">
{chr(10).join(di)}
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>
'''
