// Reading and writing our SpiffWorkflow extension elements on a bpmn-js element, through
// bpmn-js's command stack so every change can be undone and is saved exactly as the engine reads it.
import { is, getBusinessObject } from "bpmn-js/lib/util/ModelUtil";

export function extensionOf(element, type) {
  const ext = getBusinessObject(element).get("extensionElements");
  return ext ? (ext.get("values") || []).find((v) => is(v, type)) : undefined;
}

export function getProperty(element, name) {
  const props = extensionOf(element, "spiffworkflow:Properties");
  const prop = props && (props.get("properties") || []).find((p) => p.name === name);
  return prop ? prop.value || "" : "";
}

function ensureExtensionElements(element, injector) {
  const bo = getBusinessObject(element);
  let ext = bo.get("extensionElements");
  if (!ext) {
    ext = injector.get("bpmnFactory").create("bpmn:ExtensionElements", { values: [] });
    ext.$parent = bo;
    injector.get("modeling").updateModdleProperties(element, bo, { extensionElements: ext });
  }
  return ext;
}

function ensureExtension(element, type, attrs, injector) {
  const existing = extensionOf(element, type);
  if (existing) { return existing; }
  const ext = ensureExtensionElements(element, injector);
  const created = injector.get("bpmnFactory").create(type, attrs);
  created.$parent = ext;
  injector.get("modeling").updateModdleProperties(element, ext, { values: [...ext.get("values"), created] });
  return created;
}

function removeExtension(element, item, injector) {
  const ext = getBusinessObject(element).get("extensionElements");
  const values = ext.get("values").filter((v) => v !== item);
  injector.get("modeling").updateModdleProperties(element, ext, { values });
}

export function setProperty(element, name, value, injector) {
  const modeling = injector.get("modeling");
  const existing = extensionOf(element, "spiffworkflow:Properties");
  const list = existing ? existing.get("properties") || [] : [];
  const prop = list.find((p) => p.name === name);
  if (!value) {
    if (prop) {
      const rest = list.filter((p) => p !== prop);
      if (rest.length) { modeling.updateModdleProperties(element, existing, { properties: rest }); }
      else { removeExtension(element, existing, injector); }
    }
    return;
  }
  if (prop) { modeling.updateModdleProperties(element, prop, { value }); return; }
  const props = ensureExtension(element, "spiffworkflow:Properties", { properties: [] }, injector);
  const created = injector.get("bpmnFactory").create("spiffworkflow:Property", { name, value });
  created.$parent = props;
  modeling.updateModdleProperties(element, props, { properties: [...(props.get("properties") || []), created] });
}

export function getBody(element, type) {
  const item = extensionOf(element, type);
  return item ? item.value || "" : "";
}

export function setBody(element, type, value, injector) {
  const item = extensionOf(element, type);
  if (!value) { if (item) { removeExtension(element, item, injector); } return; }
  if (item) { injector.get("modeling").updateModdleProperties(element, item, { value }); return; }
  ensureExtension(element, type, { value }, injector);
}

export function formalExpression(text, injector) {
  return injector.get("bpmnFactory").create("bpmn:FormalExpression", { body: text });
}

export function laneOf(element, elementRegistry) {
  const bo = getBusinessObject(element);
  return elementRegistry.filter((e) => is(e, "bpmn:Lane"))
    .find((lane) => (lane.businessObject.get("flowNodeRef") || []).includes(bo));
}

export function moveToLane(element, lane, injector) {
  // bpmn-js derives lane membership from geometry, so the shape is moved into the lane.
  const targetY = lane.y + lane.height / 2;
  const dy = Math.round(targetY - (element.y + element.height / 2));
  if (dy) { injector.get("modeling").moveShape(element, { x: 0, y: dy }); }
}
