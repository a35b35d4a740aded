// bpmnlint in the browser with a few of its own rules and ours (plugin "forlob"), run on
// the diagram's moddle tree when the process owner validates.
import Linter from "bpmnlint/lib/linter";
import startEventRequired from "bpmnlint/rules/start-event-required";
import endEventRequired from "bpmnlint/rules/end-event-required";
import noDisconnected from "bpmnlint/rules/no-disconnected";
import noImplicitSplit from "bpmnlint/rules/no-implicit-split";
import noDuplicateSequenceFlows from "bpmnlint/rules/no-duplicate-sequence-flows";
const is = (node, type) => Boolean(node && node.$instanceOf && node.$instanceOf(type));

function properties(node) {
  const ext = node.extensionElements;
  const props = ext && (ext.values || []).find((v) => is(v, "spiffworkflow:Properties"));
  return Object.fromEntries(((props && props.properties) || []).map((p) => [p.name, p.value]));
}

function decisionOf(node) {
  const ext = node.extensionElements;
  const el = ext && (ext.values || []).find((v) => is(v, "spiffworkflow:CalledDecisionId"));
  return el ? (el.value || "").trim() : "";
}

function lanesOf(process) {
  const sets = process.laneSets || [];
  const lanes = [];
  const walk = (list) => list.forEach((lane) => { lanes.push(lane); if (lane.childLaneSet) { walk(lane.childLaneSet.lanes || []); } });
  sets.forEach((set) => walk(set.lanes || []));
  return lanes;
}

// Our rules take the editor's context: the bundle's forms and decisions, and the texts.
export function forlobRules(context) {
  const t = context.texts;
  return {
    "user-task-form": () => ({ check(node, reporter) {
      if (!is(node, "bpmn:UserTask")) { return; }
      const form = properties(node).form;
      if (!form) { reporter.report(node.id, t.lintNoForm); }
      else if (!context.forms().some((f) => f.value === form)) { reporter.report(node.id, t.lintUnknownForm.replace("{form}", form)); }
    } }),
    "task-in-lane": () => ({ check(node, reporter) {
      if (!is(node, "bpmn:Process")) { return; }
      const lanes = lanesOf(node);
      if (!lanes.length) { return; }
      const inLane = new Set(lanes.flatMap((l) => (l.flowNodeRef || []).map((n) => n.id)));
      (node.flowElements || []).forEach((el) => {
        if (is(el, "bpmn:FlowNode") && !inLane.has(el.id)) { reporter.report(el.id, t.lintNoLane); }
      });
    } }),
    "script-present": () => ({ check(node, reporter) {
      if (is(node, "bpmn:ScriptTask") && !(node.script || "").trim()) { reporter.report(node.id, t.lintNoScript); }
    } }),
    "decision-called": () => ({ check(node, reporter) {
      if (!is(node, "bpmn:BusinessRuleTask")) { return; }
      const id = decisionOf(node);
      if (!id) { reporter.report(node.id, t.lintNoDecision); }
      else if (!context.decisions().some((d) => d.value === id)) { reporter.report(node.id, t.lintUnknownDecision.replace("{id}", id)); }
    } }),
  };
}

const BUILTIN = {
  "start-event-required": startEventRequired,
  "end-event-required": endEventRequired,
  "no-disconnected": noDisconnected,
  "no-implicit-split": noImplicitSplit,
  "no-duplicate-sequence-flows": noDuplicateSequenceFlows,
};

/** Lint a bpmn-js definitions tree; resolves to [{element, message, rule}]. */
export async function lint(definitions, context) {
  const ours = forlobRules(context);
  const resolver = {
    resolveRule: (pkg, name) => (pkg === "bpmnlint-plugin-forlob" ? ours[name] : BUILTIN[name]),
    resolveConfig: () => null,
  };
  const rules = {};
  Object.keys(BUILTIN).forEach((name) => { rules[name] = "error"; });
  Object.keys(ours).forEach((name) => { rules[`forlob/${name}`] = "error"; });
  const linter = new Linter({ resolver, config: { rules } });
  const results = await linter.lint(definitions);
  const out = [];
  Object.entries(results).forEach(([rule, reports]) => reports.forEach((r) => {
    const message = rule.startsWith("forlob/") ? r.message : `${t(context, rule)}`;
    out.push({ element: r.id, message, rule, source: "bpmnlint" });
  }));
  return out;
}

function t(context, rule) {
  return (context.texts.lintBuiltin || {})[rule] || rule;
}
