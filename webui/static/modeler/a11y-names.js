// Danish, specific accessible names for the libraries' unnamed or English controls (issue 22):
// "Toggle section" on every panel group (bpmn-js and form-js panels) says which section,
// "Open pop-up editor" says which field, and dmn-js's "Edit input" says which column.
// A MutationObserver relabels as the panels and tables re-render.
function text(el) { return (el?.textContent || "").replace(/\s+/g, " ").trim(); }

function relabel(root, T) {
  root.querySelectorAll(".bio-properties-panel-group-header").forEach((header) => {
    const title = text(header.querySelector(".bio-properties-panel-group-header-title"));
    const toggle = header.querySelector(".bio-properties-panel-group-header-button, .bio-properties-panel-arrow")?.closest("button")
      || header.querySelector("button:not(.bio-properties-panel-add-entry)");
    const name = T.a11y.toggle.replace("{name}", title);
    [header, toggle].filter(Boolean).forEach((el) => {
      if (el.getAttribute("aria-label") !== name) { el.setAttribute("aria-label", name); el.setAttribute("title", name); }
    });
  });
  root.querySelectorAll("button.bio-properties-panel-open-feel-popup, [title='Open pop-up editor'], [aria-label='Open pop-up editor']").forEach((button) => {
    const entry = button.closest(".bio-properties-panel-entry");
    const name = T.a11y.popup.replace("{name}", text(entry?.querySelector("label")) || T.a11y.field);
    if (button.getAttribute("aria-label") !== name) { button.setAttribute("aria-label", name); button.setAttribute("title", name); }
  });
  root.querySelectorAll("button.edit-button.dmn-icon-edit").forEach((button) => {
    const cell = button.closest("th");
    const column = text(cell?.querySelector(".input-label, .output-label, .clause")) || text(cell).slice(0, 60);
    const name = T.a11y.editInput.replace("{name}", column);
    if (button.getAttribute("aria-label") !== name) { button.setAttribute("aria-label", name); }
  });
}

export function nameControls(root, T) {
  let pending = false;
  new MutationObserver(() => {
    if (pending) { return; }
    pending = true;
    requestAnimationFrame(() => { pending = false; relabel(root, T); });
  }).observe(root, { childList: true, subtree: true });
  relabel(root, T);
}
