// The decision tables (phase-in dates per region and group) in dmn-js's table editor.
import DmnModeler from "dmn-js/lib/Modeler";

export function makeDmnEditor(container, onChange) {
  const modeler = new DmnModeler({ container });
  let dirty = false;

  modeler.on("views.changed", () => {
    const viewer = modeler.getActiveViewer();
    if (viewer && !viewer.__forlobBound) {
      viewer.__forlobBound = true;
      viewer.on("commandStack.changed", () => { dirty = true; onChange(); });
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
    },
    isDirty: () => dirty,
    async save() { return (await modeler.saveXML({ format: true })).xml; },
  };
}
