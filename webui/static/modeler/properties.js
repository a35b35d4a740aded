// Our properties provider: the Forløb/SpiffWorkflow extension properties in the panel.
// user task: form, phase, due, lane, competence · script task: script · every task: pre/post script ·
// sequence flow out of a gateway: condition · timer events: timer · business rule task: decision.
import { h } from "@bpmn-io/properties-panel/preact";
import { Group, SelectEntry, TextAreaEntry, TextFieldEntry } from "@bpmn-io/properties-panel";
import { useService } from "bpmn-js-properties-panel";
import { is, isAny, getBusinessObject } from "bpmn-js/lib/util/ModelUtil";
import { formalExpression, getBody, getProperty, laneOf, moveToLane, setBody, setProperty } from "./extensions.js";

const TIMER_KINDS = ["timeDate", "timeDuration", "timeCycle"];

function PropertySelect({ element, id, name, label, options }) {
  const injector = useService("injector");
  const translate = useService("translate");
  return h(SelectEntry, {
    element, id, label: translate(label),
    getValue: () => getProperty(element, name),
    setValue: (value) => setProperty(element, name, value, injector),
    getOptions: () => {
      const current = getProperty(element, name);
      const list = options();
      const values = list.map((o) => o.value);
      const extra = current && !values.includes(current) ? [{ value: current, label: `${current} (${translate("ukendt")})` }] : [];
      return [{ value: "", label: "–" }, ...extra, ...list];
    },
  });
}

function PropertyText({ element, id, name, label, kind, area }) {
  const injector = useService("injector");
  const translate = useService("translate");
  const debounce = useService("debounceInput");
  const forlob = useService("forlobContext");
  const entry = area ? TextAreaEntry : TextFieldEntry;
  return h(entry, {
    element, id, label: translate(label), debounce, monospace: Boolean(kind), rows: 3,
    getValue: () => getProperty(element, name),
    setValue: (value) => setProperty(element, name, (value || "").trim() ? value : "", injector),
    validate: kind ? forlob.checker.validator(element, name, kind) : undefined,
  });
}

function LaneSelect({ element, id }) {
  const injector = useService("injector");
  const translate = useService("translate");
  const registry = useService("elementRegistry");
  return h(SelectEntry, {
    element, id, label: translate("Bane (hvem udfører opgaven)"),
    getValue: () => { const lane = laneOf(element, registry); return lane ? lane.id : ""; },
    setValue: (laneId) => { const lane = registry.get(laneId); if (lane) { moveToLane(element, lane, injector); } },
    getOptions: () => [{ value: "", label: "–" }, ...registry.filter((e) => is(e, "bpmn:Lane"))
      .map((lane) => ({ value: lane.id, label: lane.businessObject.name || lane.id }))],
  });
}

function BodyText({ element, id, type, label, kind }) {
  const injector = useService("injector");
  const translate = useService("translate");
  const debounce = useService("debounceInput");
  const forlob = useService("forlobContext");
  return h(TextAreaEntry, {
    element, id, label: translate(label), debounce, monospace: true, rows: 4,
    getValue: () => getBody(element, type),
    setValue: (value) => setBody(element, type, (value || "").trim() ? value : "", injector),
    validate: forlob.checker.validator(element, type, kind),
  });
}

function ScriptText({ element, id }) {
  const modeling = useService("modeling");
  const translate = useService("translate");
  const debounce = useService("debounceInput");
  const forlob = useService("forlobContext");
  const bo = getBusinessObject(element);
  return h(TextAreaEntry, {
    element, id, label: translate("Script"), debounce, monospace: true, rows: 6,
    getValue: () => bo.get("script") || "",
    setValue: (value) => modeling.updateProperties(element, { scriptFormat: bo.get("scriptFormat") || undefined, script: value || undefined }),
    validate: forlob.checker.validator(element, "script", "script"),
  });
}

function ConditionText({ element, id }) {
  const injector = useService("injector");
  const translate = useService("translate");
  const debounce = useService("debounceInput");
  const forlob = useService("forlobContext");
  const bo = getBusinessObject(element);
  return h(TextAreaEntry, {
    element, id, label: translate("Betingelse"), debounce, monospace: true, rows: 2,
    description: translate("Python-udtryk, fx visitation_decision == 'afvist'"),
    getValue: () => (bo.get("conditionExpression") ? bo.get("conditionExpression").get("body") || "" : ""),
    setValue: (value) => injector.get("modeling").updateProperties(element, {
      conditionExpression: (value || "").trim() ? formalExpression(value, injector) : undefined }),
    validate: forlob.checker.validator(element, "condition", "condition"),
  });
}

function timerDefinition(element) {
  return (getBusinessObject(element).get("eventDefinitions") || []).find((d) => is(d, "bpmn:TimerEventDefinition"));
}

function timerKind(definition) {
  return TIMER_KINDS.find((k) => definition.get(k)) || "timeDate";
}

function TimerKindSelect({ element, id }) {
  const modeling = useService("modeling");
  const translate = useService("translate");
  const definition = timerDefinition(element);
  return h(SelectEntry, {
    element, id, label: translate("Type"),
    getValue: () => timerKind(definition),
    setValue: (kind) => {
      const old = timerKind(definition);
      const expr = definition.get(old);
      const props = { timeDate: undefined, timeDuration: undefined, timeCycle: undefined };
      props[kind] = expr;
      modeling.updateModdleProperties(element, definition, props);
    },
    getOptions: () => [
      { value: "timeDate", label: translate("Dato") },
      { value: "timeDuration", label: translate("Varighed") },
      { value: "timeCycle", label: translate("Gentagelse") },
    ],
  });
}

function TimerValue({ element, id }) {
  const injector = useService("injector");
  const translate = useService("translate");
  const debounce = useService("debounceInput");
  const forlob = useService("forlobContext");
  const definition = timerDefinition(element);
  return h(TextFieldEntry, {
    element, id, label: translate("Værdi"), debounce,
    description: translate("ISO 8601 (fx P14D) eller et udtryk, fx reassess_at"),
    getValue: () => { const e = definition.get(timerKind(definition)); return e ? e.get("body") || "" : ""; },
    setValue: (value) => injector.get("modeling").updateModdleProperties(element, definition, {
      [timerKind(definition)]: formalExpression(value || "", injector) }),
    validate: forlob.checker.validator(element, "timer", "timer"),
  });
}

function DecisionSelect({ element, id }) {
  const injector = useService("injector");
  const translate = useService("translate");
  const forlob = useService("forlobContext");
  return h(SelectEntry, {
    element, id, label: translate("Beslutningstabel"),
    getValue: () => getBody(element, "spiffworkflow:CalledDecisionId"),
    setValue: (value) => setBody(element, "spiffworkflow:CalledDecisionId", value, injector),
    getOptions: () => {
      const current = getBody(element, "spiffworkflow:CalledDecisionId");
      const list = forlob.decisions();
      const ids = list.map((d) => d.value);
      return [{ value: "", label: "–" }, ...(current && !ids.includes(current) ? [{ value: current, label: current }] : []), ...list];
    },
  });
}

function entries(element, forlob) {
  const list = [];
  // extra props ride on the entry object (the panel spreads it); components keep their identity
  const add = (id, component, extra = {}) => list.push({ id, element, component, ...extra });
  if (is(element, "bpmn:UserTask")) {
    add("forlob-form", PropertySelect, { name: "form", label: "Formular", options: forlob.forms });
    add("forlob-phase", PropertyText, { name: "phase", label: "Fase (vises på opgaven)" });
    add("forlob-due", PropertyText, { name: "due", label: "Frist (udtryk)", kind: "due", area: true });
    add("forlob-lane", LaneSelect);
    add("forlob-competence", PropertySelect, { name: "competence", label: "Kompetence (opgaven kræver)", options: forlob.competences });
  }
  if (is(element, "bpmn:ScriptTask")) { add("forlob-script", ScriptText); }
  if (is(element, "bpmn:BusinessRuleTask")) { add("forlob-decision", DecisionSelect); }
  if (is(element, "bpmn:SequenceFlow") && isAny(element.businessObject.sourceRef, ["bpmn:ExclusiveGateway", "bpmn:InclusiveGateway"])) {
    add("forlob-condition", ConditionText);
  }
  if (is(element, "bpmn:Activity")) {
    add("forlob-prescript", BodyText, { type: "spiffworkflow:PreScript", label: "Før-script", kind: "script" });
    add("forlob-postscript", BodyText, { type: "spiffworkflow:PostScript", label: "Efter-script", kind: "script" });
  }
  return list;
}

export default function ForlobPropertiesProvider(propertiesPanel, translate, forlobContext) {
  this.getGroups = (element) => (groups) => {
    const out = groups.filter((g) => g.id !== "timer");
    const ours = entries(element, forlobContext);
    if (ours.length) {
      const at = Math.max(1, out.findIndex((g) => g.id === "general") + 1);
      out.splice(at, 0, { id: "forlob", label: translate("Forløb"), component: Group, entries: ours });
    }
    if (timerDefinition(element)) {
      out.push({ id: "forlob-timer", label: translate("Timer"), component: Group, entries: [
        { id: "forlob-timer-kind", element, component: TimerKindSelect },
        { id: "forlob-timer-value", element, component: TimerValue },
      ] });
    }
    return out;
  };
  propertiesPanel.registerProvider(400, this);  // after getGroups exists: the panel checks it
}
ForlobPropertiesProvider.$inject = ["propertiesPanel", "translate", "forlobContext"];
