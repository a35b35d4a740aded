// The process owner's editor (/modeler/versions/<id>/edit): every file of a version's bundle —
// BPMN diagrams with our properties, DMN tables, forms — edited in the browser, validated
// (engine rules + bpmnlint + scenarios) and proposed as a new version naming its base.
import BpmnModeler from "bpmn-js/lib/Modeler";
import { BpmnPropertiesPanelModule, BpmnPropertiesProviderModule } from "bpmn-js-properties-panel";
import { nameControls } from "./a11y-names.js";
import { makeApi } from "./api.js";
import { makeExpressionChecker } from "./checks.js";
import { oneTabStopPerGroup } from "./form-keyboard.js";
import { bindKeyboardForm, makePaletteKeyboardReachable } from "./keyboard.js";
import { importedName, makeLocalEdits, offerRebase, warnOnLeave } from "./local-edits.js";
import ForlobPropertiesProvider from "./properties.js";
import { renderDiff, renderProblems, renderScenarios, show } from "./results.js";
import { showHtml } from "./safe-dom.js";
import spiffworkflow from "./spiffworkflow.js";
import { translateModule } from "./translate-da.js";

const root = document.getElementById("modeler-app");
const T = JSON.parse(document.getElementById("modeler-texts").textContent);
const api = makeApi(root);
const baseVersion = Number(root.dataset.version);
// names are checked against the base version plus everything changed in this page
const checker = makeExpressionChecker(api, async () => { await flush(); return { base_version: baseVersion, files: changedFiles() }; });

const localEdits = makeLocalEdits(baseVersion);
const state = {
  unsaved: false,    // edits made since the page opened (or last proposed) that are not proposed
  files: {},         // name -> text of the base version
  edited: {},        // name -> edited text (only files that changed)
  current: null,     // file name open in an editor
  problems: [],      // [{file, element, message, source}] from the last validation
};
function names() { return [...new Set([...Object.keys(state.files), ...Object.keys(state.edited)])]; }
// files still in the proposal (a removed file is kept in state.edited as null until proposed)
function present() { return names().filter((n) => text(n) !== null && text(n) !== undefined); }

function formsList() {
  return present().filter((n) => n.startsWith("forms/")).sort().map((name) => {
    const id = name.slice(6, -5);
    let title = id;
    try { title = JSON.parse(text(name))["x-forlob"].title || id; } catch (err) { /* keep the id */ }
    return { value: id, label: `${title} (${id})` };
  });
}

function decisionsList() {
  const out = [];
  present().filter((n) => n.endsWith(".dmn")).forEach((name) => {
    const doc = new DOMParser().parseFromString(text(name), "application/xml");
    [...doc.getElementsByTagNameNS("*", "decision")].forEach((d) => out.push({ value: d.id, label: `${d.getAttribute("name") || d.id} (${d.id})` }));
  });
  return out;
}

// the competence a user task needs (routing): the method codes of webui/competencies/models.py
const competencesList = () => T.competences || [];
const forlobContext = { forms: formsList, decisions: decisionsList, competences: competencesList, checker, texts: T };

function text(name) { return name in state.edited ? state.edited[name] : state.files[name]; }

// --- editors -----------------------------------------------------------------------------
const bpmnPane = document.getElementById("pane-bpmn");
const dmnPane = document.getElementById("pane-dmn");
const formPane = document.getElementById("pane-form");
let bpmnDirty = false;

const bpmn = new BpmnModeler({
  container: document.getElementById("bpmn-canvas"),
  propertiesPanel: { parent: document.getElementById("bpmn-properties") },
  additionalModules: [
    BpmnPropertiesPanelModule, BpmnPropertiesProviderModule,
    { __init__: ["forlobPropertiesProvider"], forlobPropertiesProvider: ["type", ForlobPropertiesProvider],
      forlobContext: ["value", forlobContext] },
    translateModule(root.dataset.lang === "da"),
  ],
  moddleExtensions: { spiffworkflow },
});
checker.attach(bpmn);
bpmn.on("commandStack.changed", () => { bpmnDirty = true; markDirty(); });
makePaletteKeyboardReachable(bpmn, T.palette);
const keyboardForm = bindKeyboardForm(document.getElementById("keyboard-form"), () => bpmn, T.types);
let refreshTimer = null;
bpmn.on("elements.changed", () => { clearTimeout(refreshTimer); refreshTimer = setTimeout(keyboardForm.refresh, 300); });
bpmn.on("selection.changed", ({ newSelection }) => {
  if (newSelection.length === 1) {
    const form = document.getElementById("keyboard-form");
    form.querySelector("[name=element]").value = newSelection[0].id;
    form.querySelector("[name=from]").value = newSelection[0].id;
  }
});

// dmn-js and the form-js editor, with their stylesheets, load when their first file is opened:
// the BPMN modeler is all the page needs first (issue 22, "Light editor"). esbuild makes each
// dynamic import() a chunk named by its content, served like the bundle (webui/common/assets.py).
const lazyCss = JSON.parse(root.dataset.lazyCss || "{}");
let dmn = null;
let form = null;
const loading = {};

function loadCss(urls) {
  // before editor.css, so our focus rings and reflow rules stay on top of the libraries' (issue 22)
  const ours = document.getElementById("editor-css");
  return Promise.all((urls || []).map((url) => new Promise((resolve, reject) => {
    const link = document.createElement("link");
    link.rel = "stylesheet";
    link.href = url;
    link.onload = resolve;
    link.onerror = () => reject(new Error(url));
    document.head.insertBefore(link, ours);
  })));
}

function loadOnce(kind, make) {
  loading[kind] = loading[kind] || make().catch((err) => { delete loading[kind]; throw err; });
  return loading[kind];
}

const loadDmn = () => loadOnce("dmn", async () => {
  const [{ makeDmnEditor }] = await Promise.all([import("./dmn-editor.js"), loadCss(lazyCss.dmn)]);
  dmn = makeDmnEditor(document.getElementById("dmn-canvas"), document.getElementById("dmn-problems"), markDirty,
    { translateModule: translateModule(root.dataset.lang === "da"), checker });
  return dmn;
});

const loadForm = () => loadOnce("form", async () => {
  const [{ makeFormEditor }] = await Promise.all([import("./form-editor.js"), loadCss(lazyCss.form)]);
  form = makeFormEditor(document.getElementById("form-canvas"), document.getElementById("guide-form"), markDirty);
  return form;
});
oneTabStopPerGroup(document.getElementById("form-canvas"));

let keepTimer = null;
function markDirty() {
  const tab = document.querySelector(`[role=tab][data-file="${CSS.escape(state.current || "")}"]`);
  if (tab) { tab.classList.add("dirty"); }
  document.getElementById("editor-status").textContent = T.unsaved;
  state.unsaved = true;
  clearTimeout(keepTimer);  // kept in this browser a moment after the last change
  keepTimer = setTimeout(async () => { await flush(); if (state.unsaved) { localEdits.save(changedFiles()); } }, 800);
}
warnOnLeave(() => state.unsaved);

async function flush() {
  // store the open editor's content in state.edited when it changed
  const name = state.current;
  if (!name) { return; }
  let out = null;
  if (name.endsWith(".bpmn") && bpmnDirty) { out = (await bpmn.saveXML({ format: true })).xml; bpmnDirty = false; }
  if (name.endsWith(".dmn") && dmn && dmn.isDirty()) { out = await dmn.save(); }
  if (name.startsWith("forms/") && form && form.isDirty()) { out = form.save(); }
  if (out !== null && out !== state.files[name]) { state.edited[name] = out; }
}

function applyMarkers() {
  const canvas = bpmn.get("canvas");
  const registry = bpmn.get("elementRegistry");
  registry.forEach((el) => canvas.removeMarker(el, "problem"));
  state.problems.filter((p) => p.file === state.current && p.element && registry.get(p.element))
    .forEach((p) => canvas.addMarker(p.element, "problem"));
  checker.remark();
}

// "Fit" leaves room for the palette, which otherwise covers the start event (issue 22, point 10)
function fitBesidePalette() {
  const canvas = bpmn.get("canvas");
  canvas.zoom("fit-viewport");
  const palette = document.querySelector("#bpmn-canvas .djs-palette");
  const vb = canvas.viewbox();
  if (!palette || !vb.inner.width) { return; }
  const gap = (palette.getBoundingClientRect().width + 16) / vb.scale;
  const pad = 20 / vb.scale;
  canvas.viewbox({ x: vb.inner.x - gap, y: vb.inner.y - pad, width: vb.inner.width + gap + pad, height: vb.inner.height + 2 * pad });
}

async function openFile(name, elementId) {
  if (text(name) === null) { restoreFile(name); }
  if (state.current !== name) {
    await flush();
    state.current = name;
    document.querySelectorAll("[role=tab][data-file]").forEach((tab) => {
      const active = tab.dataset.file === name;
      tab.setAttribute("aria-selected", active ? "true" : "false");
      tab.tabIndex = active ? 0 : -1;
    });
    keepTabStops();
    bpmnPane.hidden = !name.endsWith(".bpmn");
    dmnPane.hidden = !name.endsWith(".dmn");
    formPane.hidden = !name.startsWith("forms/");
    document.getElementById("preview").textContent = "";
    if (name.endsWith(".bpmn")) {
      await bpmn.importXML(text(name));
      fitBesidePalette();
      bpmnDirty = false;
      keyboardForm.refresh();
      applyMarkers();
    } else if (name.endsWith(".dmn")) {
      await (await loadDmn()).open(text(name));
    } else {
      await (await loadForm()).open(text(name));
    }
  }
  if (elementId && name.endsWith(".bpmn")) {
    const el = bpmn.get("elementRegistry").get(elementId);
    if (el) { bpmn.get("selection").select(el); bpmn.get("canvas").scrollToElement(el); }
  }
  root.dataset.open = name;
}

// --- tabs ----------------------------------------------------------------------------------
function addTab(name) {
  const tab = document.createElement("button");
  tab.type = "button";
  tab.setAttribute("role", "tab");
  tab.dataset.file = name;
  tab.setAttribute("aria-controls", name.endsWith(".bpmn") ? "pane-bpmn" : name.endsWith(".dmn") ? "pane-dmn" : "pane-form");
  tab.textContent = name.startsWith("forms/") ? name.slice(6, -5) : name;
  tab.addEventListener("click", () => openFile(name));
  (name.startsWith("forms/") ? document.getElementById("form-tabs") : document.getElementById("file-tabs")).appendChild(tab);
  return tab;
}

// One keyboard path through all files: each tab list keeps one tab stop (its selected tab, or its
// first), so Tab reaches the forms while a diagram is open and the reverse (issue 22).
function keepTabStops() {
  document.querySelectorAll("[role=tablist]").forEach((bar) => {
    const tabs = [...bar.querySelectorAll("[role=tab]")];
    if (tabs.length && !tabs.some((t) => t.tabIndex === 0)) { tabs[0].tabIndex = 0; }
  });
}

// F6 leaves whatever region has focus: a quicker way past a long editor than Tab
// for the next one: the file tabs, the open editor, and "Valider og foreslå".
document.addEventListener("keydown", (event) => {
  if (event.key !== "F6") { return; }
  event.preventDefault();
  const regions = [document.querySelector(".file-nav [role=tab][tabindex='0']"),
    document.querySelector(".editor-pane:not([hidden]) :is(button,input,select,textarea,[tabindex='0'])"),
    document.getElementById("validate-button")].filter(Boolean);
  const at = regions.findIndex((r) => r.closest(".file-nav, .editor-pane, .modeler-actions")?.contains(document.activeElement));
  regions[(at + (event.shiftKey ? regions.length - 1 : 1)) % regions.length].focus();
});

function buildTabs() {
  names().sort((a, b) => (a.startsWith("forms/") - b.startsWith("forms/")) || a.localeCompare(b)).forEach(addTab);
  keepTabStops();
  document.querySelectorAll("[role=tablist]").forEach((bar) => bar.addEventListener("keydown", (event) => {
    const tabs = [...bar.querySelectorAll("[role=tab]")];
    const at = tabs.indexOf(document.activeElement);
    if (at < 0 || !["ArrowRight", "ArrowLeft"].includes(event.key)) { return; }
    const next = tabs[(at + (event.key === "ArrowRight" ? 1 : tabs.length - 1)) % tabs.length];
    next.focus();
    next.click();
  }));
}

// --- validate and propose ------------------------------------------------------------------
async function lintAll() {
  const { lint } = await import("./lint.js");  // bpmnlint is needed only when validating
  const moddle = bpmn.get("moddle");
  const out = [];
  for (const name of present().filter((n) => n.endsWith(".bpmn"))) {
    let definitions;
    if (name === state.current) { definitions = bpmn.getDefinitions(); }
    else { definitions = (await moddle.fromXML(text(name), "bpmn:Definitions")).rootElement; }
    (await lint(definitions, forlobContext)).forEach((p) => out.push({ ...p, file: name }));
  }
  checker.allProblems().forEach((p) => out.push({ ...p, file: state.current, source: "expression" }));
  return out;
}

function changedFiles() {
  const files = {};
  Object.entries(state.edited).forEach(([name, value]) => { if (value !== state.files[name]) { files[name] = value; } });
  return files;
}

const POLL_MS = 1000;
const sleep = (ms) => new Promise((resolve) => { setTimeout(resolve, ms); });
let validating = false;

// The scenarios run in the worker's owner lane, never in this request: queue a job, then poll
// it and show "n af m scenarier" until it is done (docs/modeler.md, "Background validation").
async function runValidationJob() {
  const queued = await api.queueValidation({ base_version: baseVersion, files: changedFiles() });
  if (queued.status !== 202) { return queued; }
  let job = queued.data;
  const url = job.url;
  while (job.status !== "done") {
    show("validate-result", "info", job.status === "queued" ? T.validationQueued
      : T.validationProgress.replace("{done}", job.done).replace("{total}", job.total || "…"));
    await sleep(POLL_MS);
    const { status, data } = await api.validationJob(url);
    if (status !== 200) { return { status, data }; }
    job = data;
  }
  return { status: 200, data: job };
}

async function validate() {
  if (validating) { return false; }  // one job per click: a second click would only queue a copy
  validating = true;
  const button = document.getElementById("validate-button");
  button.disabled = true;
  try {
    await flush();
    show("validate-result", "info", T.validating);
    const local = await lintAll();
    const { status, data } = await runValidationJob();
    const engine = status === 200 ? data.problems || [] : [{ file: null, element: null, message: (data && data.message) || T.failed }];
    const failed = ((data && data.scenarios) || []).filter((s) => !s.ok).length;
    // a job that ended without problems or failing scenarios (stale base, crash) says why
    if (status === 200 && !data.ok && !engine.length && !failed) {
      engine.push({ file: null, element: null, message: data.message || T.failed });
    }
    state.problems = [...local, ...engine];
    applyMarkers();
    const ok = status === 200 && data.ok && !local.length;
    const summary = ok ? T.validOk : state.problems.length ? T.validProblems.replace("{n}", state.problems.length)
      : T.scenariosFailing.replace("{n}", failed);
    const box = show("validate-result", ok ? "success" : "error", summary);
    renderProblems(box, state.problems, T, (p) => openFile(p.file, p.element));
    renderScenarios(box, (data && data.scenarios) || [], T);
    return ok;
  } finally {
    validating = false;
    button.disabled = false;
  }
}

async function propose() {
  await flush();
  const files = changedFiles();
  if (!Object.keys(files).length) { show("propose-result", "warning", T.nothingChanged); return; }
  show("propose-result", "info", T.proposing);
  const note = document.getElementById("propose-note").value;
  const { status, data } = await api.propose({ base_version: baseVersion, files, note });
  if (status === 201 || (status === 200 && data.existing)) {
    clearTimeout(keepTimer);  // what was just proposed is not kept for the next visit
    localEdits.clear();
    state.unsaved = false;
    const box = show("propose-result", status === 201 ? "success" : "info",
      status === 201 ? (data.status === "current" ? T.proposedCurrent : T.proposed).replace("{id}", data.version) : data.message);
    if (data.url) {
      const link = document.createElement("a");
      link.href = data.url;
      link.textContent = T.openVersion.replace("{id}", data.version);
      box.appendChild(link);
    }
    root.dataset.proposed = String(data.version);
  } else if (status === 409 && data.error === "stale_base") {
    const box = show("propose-result", "error", data.message);
    renderDiff(box, data, T);
    offerRebase(box, data, { api, baseVersion, files, T, onMoved: (moved) => {
      localEdits.handOver(moved.base_version, moved.files);  // the page of that version picks them up
      localEdits.clear();
      state.unsaved = false;
      window.location.assign(window.location.pathname.replace(/\/versions\/\d+\/edit.*$/, `/versions/${moved.base_version}/edit`));
    } });
  } else if (data && data.error === "scenario_failed") {
    const box = show("propose-result", "error", T.scenarioFailed);
    renderScenarios(box, data.scenarios || [], T);
  } else if (data && data.error === "invalid") {
    state.problems = data.problems || [];
    applyMarkers();
    const box = show("propose-result", "error", T.validProblems.replace("{n}", state.problems.length));
    renderProblems(box, state.problems, T, (p) => openFile(p.file, p.element));
  } else {
    show("propose-result", "error", (data && data.message) || T.failed);
  }
}

async function preview() {
  await flush();
  const { status, data } = await api.preview((await loadForm()).schema());
  const target = document.getElementById("preview");
  if (status === 200) { showHtml(target, data.html); target.hidden = false; }  // rebuilt node by node
  else { target.textContent = data.message || T.failed; }
}

document.getElementById("validate-button").addEventListener("click", () => validate());
document.getElementById("propose-button").addEventListener("click", () => propose());
document.getElementById("preview-button").addEventListener("click", () => preview());

// "Fjern fil": the open file leaves the proposal (a file made in this page is simply dropped).
function restoreFile(name) {
  delete state.edited[name];
  const tab = document.querySelector(`[role=tab][data-file="${CSS.escape(name)}"]`);
  if (tab) { tab.classList.remove("removed", "dirty"); tab.removeAttribute("aria-description"); }
  document.getElementById("remove-file-status").textContent = T.fileRestored.replace("{name}", name);
}

document.getElementById("remove-file-button").addEventListener("click", async () => {
  const name = state.current;
  if (!name) { return; }
  const tab = document.querySelector(`[role=tab][data-file="${CSS.escape(name)}"]`);
  const status = document.getElementById("remove-file-status");
  state.current = null;  // nothing of the removed file is flushed back
  if (name in state.files) {
    state.edited[name] = null;
    tab.classList.add("removed", "dirty");
    tab.setAttribute("aria-description", T.removedTab);
    status.textContent = T.fileRemoved.replace("{name}", name);
  } else {
    delete state.edited[name];
    tab.remove();
    status.textContent = T.fileDropped.replace("{name}", name);
  }
  markDirty();
  const next = present().filter((n) => n.endsWith(".bpmn")).sort()[0];
  if (next) { await openFile(next); }
});

// A new form starts as a small valid skeleton (one note field, empty guidance) in this page.
document.getElementById("new-form-button").addEventListener("click", async () => {
  const input = document.getElementById("new-form-id");
  const status = document.getElementById("new-form-status");
  const id = input.value.trim();
  const name = `forms/${id}.json`;
  if (!/^[a-z][a-z0-9_]{1,63}$/.test(id)) { status.textContent = T.newFormBadId; input.focus(); return; }
  if (names().includes(name)) { status.textContent = T.newFormExists; input.focus(); return; }
  const schema = {
    id, type: "default", schemaVersion: 16, exporter: { name: "forlob", version: "0.1.0" },
    components: [{ type: "textarea", id: "Field_note", key: "note", label: T.newFormNote }],
    "x-forlob": { title: id, phase: T.newFormPhase, kind: "phase", draft_notice: T.newFormDraft, sources: [],
      sections: { criteria: "", purpose: "", needs: "", activities: "", tools: "" } },
  };
  state.edited[name] = `${JSON.stringify(schema, null, 2)}\n`;
  addTab(name).classList.add("dirty");
  input.value = "";
  status.textContent = T.newFormMade.replace("{id}", id);
  await openFile(name);
});

(async function start() {
  // asked for by prefetch.js while this bundle loaded; asked again if that failed
  const { status, data } = (await window.forlobVersionAnswer) || await api.version(baseVersion);
  if (status !== 200) { show("validate-result", "error", (data && data.message) || T.loadFailed); return; }
  state.files = data.files;
  const kept = localEdits.load();
  if (kept && kept.files) { Object.assign(state.edited, kept.files); }
  buildTabs();
  if (kept && kept.files) {
    Object.keys(kept.files).forEach((n) => document.querySelector(`[role=tab][data-file="${CSS.escape(n)}"]`)?.classList.add("dirty"));
    state.unsaved = true;
    const status = document.getElementById("editor-status");
    status.textContent = T.restored.replace("{n}", Object.keys(kept.files).length);
    const discard = document.createElement("button");
    discard.type = "button";
    discard.className = "secondary";
    discard.textContent = T.discardKept;
    discard.addEventListener("click", () => { localEdits.clear(); state.unsaved = false; window.location.reload(); });
    status.appendChild(discard);
  }
  const first = root.dataset.startFile && state.files[root.dataset.startFile] !== undefined ? root.dataset.startFile
    : Object.keys(state.files).filter((n) => n.endsWith(".bpmn")).sort()[0];
  await openFile(first);
  root.dataset.ready = "1";
})().catch((err) => { show("validate-result", "error", `${T.loadFailed} ${err}`); });

// "Importér fil": a BPMN, DMN or form file from disk joins the proposal (replacing one of the same name)
document.getElementById("import-file").addEventListener("change", async (event) => {
  const status = document.getElementById("import-file-status");
  const [file] = event.target.files;
  if (!file) { return; }
  const content = await file.text();
  const name = importedName(file.name, content);
  event.target.value = "";
  if (!name) { status.textContent = T.importBad.replace("{name}", file.name); return; }
  await flush();
  state.current = name === state.current ? null : state.current;  // reopen it with the new text
  state.edited[name] = content;
  (document.querySelector(`[role=tab][data-file="${CSS.escape(name)}"]`) || addTab(name)).classList.add("dirty");
  status.textContent = T.imported.replace("{name}", name);
  await openFile(name);
  markDirty();
});

nameControls(root, T);

document.getElementById("dmn-remove-rule").addEventListener("click", () => {
  const removed = dmn ? dmn.removeFocusedRule() : null;
  document.getElementById("dmn-remove-status").textContent = removed ? T.ruleRemoved.replace("{n}", removed) : T.noCellChosen;
});

// the side forms only hold buttons; Enter in their text fields must not reload the page
["keyboard-form", "guide-form"].forEach((id) => document.getElementById(id).addEventListener("submit", (e) => e.preventDefault()));
