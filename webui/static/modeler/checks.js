// Expressions are checked while the process owner types: the server compiles them in the
// sandbox (POST /modeler/api/expression). Results are cached by text; a problem shows as the
// panel entry's error and as a red marker on the element. With a context (the base version and
// the page's changed files) the server also flags names no data can hold ("mente du ...?").

const DELAY_MS = 350;

export function makeExpressionChecker(api, getContext = async () => ({})) {
  const cache = new Map();          // files fingerprint + kind + text -> {ok, message, line}
  const problems = new Map();       // element id -> Map(field -> message)
  const timers = new Map();         // field key -> pending timer
  let modeler = null;

  let fingerprint = "";             // which changed files the cached answers were given for
  function key(kind, text) { return `${fingerprint}\n${kind}\n${text}`; }
  async function context() {
    const ctx = await getContext();
    fingerprint = Object.entries(ctx.files || {}).map(([n, t]) => `${n}:${(t || "").length}`).join("|");
    return ctx;
  }

  function mark(elementId) {
    if (!modeler) { return; }
    const registry = modeler.get("elementRegistry");
    const canvas = modeler.get("canvas");
    if (!registry.get(elementId)) { return; }
    const fields = problems.get(elementId);
    if (fields && fields.size) { canvas.addMarker(elementId, "expr-error"); }
    else { canvas.removeMarker(elementId, "expr-error"); }
  }

  function record(element, field, result) {
    const fields = problems.get(element.id) || new Map();
    if (result && !result.ok) { fields.set(field, result.message); } else { fields.delete(field); }
    problems.set(element.id, fields);
    mark(element.id);
  }

  function request(element, field, kind, text) {
    const timerKey = `${element.id}:${field}`;
    const pending = timers.get(timerKey);
    if (pending && pending.text === text) { return; }  // the same text is already on its way
    if (pending) { clearTimeout(pending.timer); }
    timers.set(timerKey, { text, timer: setTimeout(async () => {
      timers.delete(timerKey);
      const ctx = await context();
      const { status, data } = await api.expression(kind, text, ctx);
      if (status !== 200) { return; }
      cache.set(key(kind, text), data);
      record(element, field, data);
      // re-render the panel so the entry's validate() sees the answer
      modeler.get("eventBus").fire("elements.changed", { elements: [element] });
    }, DELAY_MS) });
  }

  return {
    attach(bpmnModeler) { modeler = bpmnModeler; },
    /** A validate() for a properties panel entry: the cached message, or null while pending. */
    validator(element, field, kind) {
      return (value) => {
        const text = value || "";
        if (!text.trim() && kind !== "timer") { record(element, field, null); return null; }
        const known = cache.get(key(kind, text));
        if (known) { record(element, field, known); return known.ok ? null : known.message; }
        request(element, field, kind, text);
        return null;
      };
    },
    problemsOf(elementId) { return [...(problems.get(elementId) || new Map()).values()]; },
    allProblems() {
      const out = [];
      problems.forEach((fields, id) => fields.forEach((message) => out.push({ element: id, message })));
      return out;
    },
    remark() { [...problems.keys()].forEach(mark); },
    check: async (kind, text) => {
      const ctx = await context();
      const known = cache.get(key(kind, text));
      if (known) { return known; }
      const { data } = await api.expression(kind, text, ctx);
      cache.set(key(kind, text), data);
      return data;
    },
  };
}
