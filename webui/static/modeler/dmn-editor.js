// The decision tables (phase-in dates per region and group) in dmn-js's table editor.
// Every rule cell is compiled in the sandbox as the process owner types; a cell that does not
// compile is outlined, carries the message as its title and is listed under the table.
import DmnModeler from "dmn-js/lib/Modeler";

const CHECK_DELAY_MS = 500;

export function makeDmnEditor(container, problemsBox, onChange, { translateModule, checker }) {
  // dmn-js replaces (not merges) `common.additionalModules` per view, so each view gets it
  const modeler = new DmnModeler({ container, decisionTable: { additionalModules: [translateModule] },
    drd: { additionalModules: [translateModule] }, literalExpression: { additionalModules: [translateModule] } });
  let dirty = false;
  let timer = null;
  let focusedRow = null;  // the rule (row id) whose cell the owner last focused (for "Fjern reglen")

  function registryEntry(td) {
    const viewer = modeler.getActiveViewer();
    return viewer && td ? viewer.get("elementRegistry").get(td.dataset.elementId) : null;
  }

  // the cell's own text from the model: the DOM of a focused cell holds its text twice
  // (the editable copy and the rendered one), which sent "x""x" to the check (issue 22)
  function cellText(td) {
    const text = registryEntry(td)?.businessObject?.text;
    return typeof text === "string" ? text.trim() : td.textContent.trim();
  }
  container.addEventListener("focusin", (event) => {
    const td = event.target.closest && event.target.closest("tbody td[data-row-id]");
    if (td) { focusedRow = td.dataset.rowId; }
  }, true);  // capture: the table's cell editors stop the event on its way up

  async function checkCells() {
    const cells = [...container.querySelectorAll("tbody td[data-element-id]")]
      .filter((td) => td.classList.contains("input-cell") || td.classList.contains("output-cell"));
    const problems = [];
    for (const td of cells) {
      const text = cellText(td);
      const result = await checker.check("dmn", text);
      td.classList.toggle("cell-error", !result.ok);
      if (result.ok) { td.removeAttribute("title"); } else {
        td.title = result.message;
        problems.push(`${td.closest("tr").querySelector("td")?.textContent.trim() || ""}: ${text} — ${result.message}`);
      }
    }
    problemsBox.textContent = "";
    problems.forEach((p) => { const li = document.createElement("li"); li.textContent = p; problemsBox.appendChild(li); });
  }

  modeler.on("views.changed", () => {
    const viewer = modeler.getActiveViewer();
    if (viewer && !viewer.__forlobBound) {
      viewer.__forlobBound = true;
      viewer.on("commandStack.changed", () => {
        dirty = true;
        onChange();
        clearTimeout(timer);
        timer = setTimeout(checkCells, CHECK_DELAY_MS);
      });
    }
  });

  return {
    modeler,
    async open(xml) {
      dirty = false;
      await modeler.importXML(xml);
      // our files carry no DRD layout, so the table is the view to edit
      const table = modeler.getViews().find((v) => v.type === "decisionTable");
      if (table) { await modeler.open(table); }
      dirty = false;
      problemsBox.textContent = "";
    },
    isDirty: () => dirty,
    // Remove the rule (row) of the last focused cell: keyboard-operable, unlike dmn-js's
    // right-click menu. Returns the removed row's number, or null when no cell was focused.
    removeFocusedRule() {
      const viewer = modeler.getActiveViewer();
      // the cell focused last, else the one dmn-js still marks as selected
      const rowId = focusedRow || container.querySelector("tbody td.selected[data-row-id]")?.dataset.rowId;
      const row = viewer && rowId ? viewer.get("elementRegistry").get(rowId) : null;
      if (!row) { return null; }
      const number = viewer.get("sheet").getRoot().rows.indexOf(row) + 1;
      viewer.get("modeling").removeRow(row);
      focusedRow = null;
      return number;
    },
    async save() { return (await modeler.saveXML({ format: true })).xml; },
  };
}
