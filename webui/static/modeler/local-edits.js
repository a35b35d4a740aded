// Work that must not be lost (issue 22): unsaved edits are kept in the browser's local storage per
// base version and come back after a reload; leaving the page with edits warns; a proposal on a
// stale base can be moved onto the newer version (POST .../api/rebase) and reopens there; a
// BPMN, DMN or form file can be imported from disk into the open proposal.
const PREFIX = "forlob-modeler-edits:";

export function makeLocalEdits(baseVersion) {
  const key = (version) => `${PREFIX}${version}`;
  return {
    load() {
      try { return JSON.parse(localStorage.getItem(key(baseVersion)) || "null"); } catch (err) { return null; }
    },
    save(files) {
      try {
        if (Object.keys(files).length) { localStorage.setItem(key(baseVersion), JSON.stringify({ files, at: Date.now() })); }
        else { localStorage.removeItem(key(baseVersion)); }
      } catch (err) { /* storage full or switched off: the leave warning still guards the edits */ }
    },
    clear() { try { localStorage.removeItem(key(baseVersion)); } catch (err) { /* nothing kept */ } },
    handOver(version, files) { localStorage.setItem(key(version), JSON.stringify({ files, at: Date.now() })); },
  };
}

export function warnOnLeave(hasUnsaved) {
  window.addEventListener("beforeunload", (event) => {
    if (hasUnsaved()) { event.preventDefault(); event.returnValue = ""; }
  });
}

// The bundle name an imported file takes, or null when it is no BPMN, DMN or form file.
export function importedName(fileName, text) {
  const lower = fileName.toLowerCase();
  const plain = fileName.replace(/^.*[\\/]/, "").replace(/[^A-Za-z0-9_.-]/g, "_");
  if (lower.endsWith(".bpmn") || lower.endsWith(".dmn")) { return plain; }
  if (lower.endsWith(".json")) {
    try {
      const id = JSON.parse(text).id;
      return typeof id === "string" && /^[a-z][a-z0-9_]{1,63}$/.test(id) ? `forms/${id}.json` : null;
    } catch (err) { return null; }
  }
  return null;
}

// The answer to a stale proposal: a button that moves the changes onto the newer version.
export function offerRebase(box, data, { api, baseVersion, files, T, onMoved }) {
  if (!data.onto) { return; }
  const note = document.createElement("p");
  note.textContent = data.onto_status === "proposed" ? T.onTopNote.replace(/\{id\}/g, data.onto) : T.ontoCurrent.replace("{id}", data.onto);
  const button = document.createElement("button");
  button.type = "button";
  button.className = "secondary";
  button.textContent = T.moveOnto.replace("{id}", data.onto);
  button.addEventListener("click", async () => {
    button.disabled = true;
    const answer = await api.rebase({ base_version: baseVersion, files, onto: data.onto });
    if (answer.status === 200) { onMoved(answer.data); return; }
    button.disabled = false;
    const out = document.createElement("div");
    out.setAttribute("role", "alert");
    out.textContent = (answer.data && answer.data.message) || T.failed;
    const list = document.createElement("ul");
    ((answer.data && answer.data.conflicts) || []).forEach((c) => {
      const li = document.createElement("li");
      li.textContent = T.conflictLine.replace("{file}", c.file).replace("{line}", c.line || "–")
        .replace("{ours}", c.ours || "–").replace("{theirs}", c.theirs || "–");
      list.appendChild(li);
    });
    out.appendChild(list);
    box.appendChild(out);
  });
  box.append(note, button);
}
