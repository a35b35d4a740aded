// Rendering validation problems, scenario results and a newer version's diff as plain HTML.

function el(tag, attrs, textContent) {
  const node = document.createElement(tag);
  Object.entries(attrs || {}).forEach(([k, v]) => node.setAttribute(k, v));
  if (textContent !== undefined) { node.textContent = textContent; }
  return node;
}

export function show(targetId, kind, title) {
  const target = document.getElementById(targetId);
  target.textContent = "";
  const box = el("div", { class: `flash flash-${kind}` });
  box.appendChild(el("strong", {}, title));
  target.appendChild(box);
  return box;
}

export function renderProblems(box, problems, T, onPick) {
  if (!problems.length) { return; }
  const list = el("ul", { class: "problem-list" });
  problems.forEach((p) => {
    const item = el("li");
    const where = [p.file, p.line ? `${T.line} ${p.line}` : null, p.element].filter(Boolean).join(", ");
    const source = T.sources[p.source] || p.source || "";
    if (p.file && p.element) {
      const button = el("button", { type: "button", class: "link-button" }, where);
      button.addEventListener("click", () => onPick(p));
      item.appendChild(button);
      item.appendChild(document.createTextNode(`: ${p.message}`));
    } else {
      item.textContent = `${where ? `${where}: ` : ""}${p.message}`;
    }
    if (source) { item.appendChild(el("span", { class: "badge" }, source)); }
    list.appendChild(item);
  });
  box.appendChild(list);
}

export function renderScenarios(box, scenarios, T) {
  if (!scenarios.length) { return; }
  box.appendChild(el("h3", {}, T.scenarios));
  const list = el("ul", { class: "scenario-list" });
  scenarios.forEach((s) => {
    const item = el("li", { class: s.skipped ? "scenario-skipped" : s.ok ? "scenario-ok" : "scenario-failed", "data-scenario": s.id });
    item.appendChild(el("strong", {}, `${s.skipped ? T.skippedScenario : s.ok ? T.passed : T.failedScenario}: ${s.title}`));
    if (!s.ok) {
      item.appendChild(document.createTextNode(` — ${T.step} ${s.step ?? "?"}: ${s.message || ""}`));
    }
    list.appendChild(item);
  });
  box.appendChild(list);
}

function rowValues(rows, side) {
  // the server's readable rows (webui/modeler/changes.py): Danish property names, word diffs
  const cell = el("td");
  const list = el("dl", { class: "diff-values" });
  rows.filter((r) => r[side] !== null && r[side] !== undefined).forEach((r) => {
    list.appendChild(el("dt", {}, r.label));
    const dd = el("dd", { class: "diff-text" });
    if (r.words) {
      r.words.forEach(([op, text]) => {
        if (op === "same") { dd.appendChild(document.createTextNode(text)); }
        else if ((op === "del" && side === "old") || (op === "ins" && side === "new")) { dd.appendChild(el(op, {}, text)); }
      });
    } else { dd.textContent = r[side]; }
    list.appendChild(dd);
  });
  cell.appendChild(list);
  return cell;
}

function values(v) {
  // old/new are {property: value} objects; each property on its own line
  const cell = el("td");
  if (v == null) { cell.textContent = "–"; return cell; }
  if (typeof v !== "object") { cell.textContent = String(v); return cell; }
  const list = el("dl", { class: "diff-values" });
  Object.entries(v).forEach(([k, val]) => {
    list.appendChild(el("dt", {}, k));
    list.appendChild(el("dd", {}, val == null ? "–" : typeof val === "object" ? JSON.stringify(val) : String(val)));
  });
  cell.appendChild(list);
  return cell;
}

export function renderDiff(box, data, T) {
  (data.newer || []).forEach((v) => {
    box.appendChild(el("p", {}, T.newerVersion.replace("{id}", v.id).replace("{by}", v.by || "?")
      .replace("{at}", v.at || "").replace("{note}", v.note || "")));
  });
  const changes = (data.diff && data.diff.changes) || [];
  if (!changes.length) { return; }
  const wrap = el("div", { class: "table-wrap" });
  const table = el("table", { class: "diff-table" });
  const head = el("tr");
  T.diffColumns.forEach((c) => head.appendChild(el("th", { scope: "col" }, c)));
  table.appendChild(el("thead")).appendChild(head);
  const body = el("tbody");
  changes.forEach((c) => {
    const row = el("tr", { class: `diff-${c.change}` });
    [c.file, c.kind_label || T.kinds[c.kind] || c.kind, c.title || c.name || c.id, c.change_label || T.changes[c.change] || c.change]
      .forEach((v) => row.appendChild(el("td", {}, v)));
    if (c.rows) { ["old", "new"].forEach((side) => row.appendChild(rowValues(c.rows, side))); }
    else { [c.old, c.new].forEach((v) => row.appendChild(values(v))); }
    body.appendChild(row);
  });
  table.appendChild(body);
  wrap.appendChild(table);
  box.appendChild(wrap);
}
