// Keyboard access to the modeler: the palette becomes a toolbar reachable by Tab, and a side
// form (pick an element, add one after it, connect two, delete) is the keyboard's equal
// alternative to dragging shapes in bpmn-js.
import { is } from "bpmn-js/lib/util/ModelUtil";

// palette action -> what a keyboard press adds (next to the selected element)
const PALETTE_CREATE = {
  "create.start-event": { type: "bpmn:StartEvent" },
  "create.intermediate-event": { type: "bpmn:IntermediateThrowEvent" },
  "create.end-event": { type: "bpmn:EndEvent" },
  "create.exclusive-gateway": { type: "bpmn:ExclusiveGateway" },
  "create.task": { type: "bpmn:Task" },
};

export const ADDABLE = {
  userTask: { type: "bpmn:UserTask" },
  scriptTask: { type: "bpmn:ScriptTask" },
  businessRuleTask: { type: "bpmn:BusinessRuleTask" },
  exclusiveGateway: { type: "bpmn:ExclusiveGateway" },
  parallelGateway: { type: "bpmn:ParallelGateway" },
  timerEvent: { type: "bpmn:IntermediateCatchEvent", eventDefinitionType: "bpmn:TimerEventDefinition" },
  messageEvent: { type: "bpmn:IntermediateCatchEvent", eventDefinitionType: "bpmn:MessageEventDefinition" },
  endEvent: { type: "bpmn:EndEvent" },
};

function selectedElement(modeler) {
  const sel = modeler.get("selection").get();
  return sel.length === 1 ? sel[0] : null;
}

function select(modeler, element) {
  modeler.get("selection").select(element);
  try { modeler.get("canvas").scrollToElement(element); } catch (err) { /* not every element can be scrolled to */ }
}

/** Add a shape after `source` (placed and connected by bpmn-js) or in the view's centre. */
export function addElement(modeler, spec, source, name) {
  const shape = modeler.get("elementFactory").createShape(spec);
  let created;
  if (source && !is(source, "bpmn:SequenceFlow") && !is(source, "bpmn:Lane") && !is(source, "bpmn:Participant")) {
    created = modeler.get("autoPlace").append(source, shape);
  } else {
    const canvas = modeler.get("canvas");
    const box = canvas.viewbox();
    const root = modeler.get("elementRegistry").filter((e) => is(e, "bpmn:Participant"))[0] || canvas.getRootElement();
    created = modeler.get("modeling").createShape(shape, { x: Math.round(box.x + box.width / 2), y: Math.round(box.y + box.height / 2) }, root);
  }
  if (name) { modeler.get("modeling").updateLabel(created, name); }
  select(modeler, created);
  return created;
}

export function makePaletteKeyboardReachable(modeler, label) {
  const container = modeler.get("canvas").getContainer();
  function apply() {
    const palette = container.querySelector(".djs-palette");
    if (!palette) { return; }
    palette.setAttribute("role", "toolbar");
    palette.setAttribute("aria-label", label);
    palette.querySelectorAll(".entry").forEach((entry) => {
      entry.setAttribute("tabindex", "0");
      entry.setAttribute("role", "button");
      if (entry.title) { entry.setAttribute("aria-label", entry.title); }
    });
  }
  function applyContextPad() {
    container.querySelectorAll(".djs-context-pad .entry").forEach((entry) => {
      entry.setAttribute("tabindex", "0");
      entry.setAttribute("role", "button");
      if (entry.title) { entry.setAttribute("aria-label", entry.title); }
    });
  }
  container.addEventListener("keydown", (event) => {
    const entry = event.target.closest && event.target.closest(".djs-palette .entry, .djs-context-pad .entry");
    if (!entry || (event.key !== "Enter" && event.key !== " ")) { return; }
    event.preventDefault();
    const spec = PALETTE_CREATE[entry.dataset.action];
    // creating from the palette means dragging; by keyboard the shape is added after the selection
    if (spec && entry.closest(".djs-palette")) { addElement(modeler, spec, selectedElement(modeler)); return; }
    entry.dispatchEvent(new MouseEvent("click", { bubbles: true }));
  });
  modeler.on("import.done", apply);
  // listeners must return undefined: a returned value stops diagram-js's event propagation
  modeler.on("contextPad.open", () => { setTimeout(applyContextPad, 0); });
  modeler.on("selection.changed", () => { setTimeout(applyContextPad, 0); });
  apply();
}

// "Vælg element" names every element by its name and lane (issue 22): a flow by where it goes
// ("Visitation → Inkluderet?"), since flows rarely have names of their own.
function laneOf(bo, lanes) {
  const node = bo.$type === "bpmn:SequenceFlow" ? bo.sourceRef : bo;
  const lane = lanes.find((l) => (l.flowNodeRef || []).includes(node));
  return lane ? lane.name || lane.id : null;
}

function label(element, typeNames, lanes = []) {
  const bo = element.businessObject;
  const type = typeNames[bo.$type] || bo.$type.replace("bpmn:", "");
  let name = bo.name || element.id;
  if (bo.$type === "bpmn:SequenceFlow") {
    const ends = `${bo.sourceRef?.name || bo.sourceRef?.id || "?"} → ${bo.targetRef?.name || bo.targetRef?.id || "?"}`;
    name = bo.name ? `${bo.name}: ${ends}` : ends;
  }
  const lane = laneOf(bo, lanes);
  return `${name} (${type}${lane ? `, ${lane}` : ""})`;
}

/** The side form: a list of every element plus add/connect/delete, all plain HTML controls. */
export function bindKeyboardForm(form, getModeler, typeNames) {
  const pick = form.querySelector("[name=element]");
  const from = form.querySelector("[name=from]");
  const to = form.querySelector("[name=to]");

  function elements(modeler) {
    return modeler.get("elementRegistry").filter((e) => !e.labelTarget && (is(e, "bpmn:FlowNode") || is(e, "bpmn:SequenceFlow")));
  }

  function fill(selectEl, list, keep) {
    const old = keep || selectEl.value;
    const lanes = getModeler().get("elementRegistry").filter((e) => is(e, "bpmn:Lane")).map((e) => e.businessObject);
    selectEl.textContent = "";
    list.forEach((el) => {
      const option = document.createElement("option");
      option.value = el.id;
      option.textContent = label(el, typeNames, lanes);
      selectEl.appendChild(option);
    });
    if (old && list.some((e) => e.id === old)) { selectEl.value = old; }
  }

  function refresh() {
    const modeler = getModeler();
    if (!modeler) { return; }
    const list = elements(modeler);
    const sel = selectedElement(modeler);
    fill(pick, list, sel && sel.id);
    const nodes = list.filter((e) => is(e, "bpmn:FlowNode"));
    fill(from, nodes, sel && sel.id);
    fill(to, nodes);
  }

  form.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-kb]");
    if (!button) { return; }
    event.preventDefault();
    const modeler = getModeler();
    const registry = modeler.get("elementRegistry");
    const action = button.dataset.kb;
    if (action === "select") { const el = registry.get(pick.value); if (el) { select(modeler, el); } }
    if (action === "add") {
      const spec = ADDABLE[form.querySelector("[name=kind]").value];
      addElement(modeler, spec, registry.get(from.value) || selectedElement(modeler), form.querySelector("[name=name]").value.trim());
      form.querySelector("[name=name]").value = "";
    }
    if (action === "connect") {
      const a = registry.get(from.value);
      const b = registry.get(to.value);
      if (a && b && a !== b) { select(modeler, modeler.get("modeling").connect(a, b)); }
    }
    if (action === "delete") { const el = registry.get(pick.value); if (el) { modeler.get("modeling").removeElements([el]); } }
    refresh();
    const status = form.querySelector("[role=status]");
    if (status) { status.textContent = button.dataset.done || ""; }
  });
  pick.addEventListener("change", () => {
    const modeler = getModeler();
    const el = modeler.get("elementRegistry").get(pick.value);
    if (el) { select(modeler, el); }
  });
  return { refresh };
}
