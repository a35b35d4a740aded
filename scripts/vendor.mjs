// Copy the browser bundles the app serves from node_modules into webui/static/vendor, and
// build the modeler's editor bundle (bpmn-js + properties panel + dmn-js + form-js editor +
// bpmnlint + our own modules in webui/static/modeler/) with esbuild. Nothing built is committed.
import { cpSync, mkdirSync, existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "webui", "static", "vendor");
const files = {
  "bpmn-js/dist/bpmn-navigated-viewer.production.min.js": "bpmn-js/bpmn-navigated-viewer.production.min.js",
  "bpmn-js/dist/bpmn-modeler.production.min.js": "bpmn-js/bpmn-modeler.production.min.js",
  "bpmn-js/dist/assets/diagram-js.css": "bpmn-js/assets/diagram-js.css",
  "bpmn-js/dist/assets/bpmn-js.css": "bpmn-js/assets/bpmn-js.css",
  "bpmn-js/dist/assets/bpmn-font/css/bpmn-embedded.css": "bpmn-js/assets/bpmn-font/css/bpmn-embedded.css",
  "chart.js/dist/chart.umd.min.js": "chart.js/chart.umd.min.js",
  "@bpmn-io/properties-panel/dist/assets/properties-panel.css": "modeler/properties-panel.css",
  "dmn-js/dist/assets/dmn-js-shared.css": "modeler/dmn-js-shared.css",
  "dmn-js/dist/assets/dmn-js-decision-table.css": "modeler/dmn-js-decision-table.css",
  "dmn-js/dist/assets/dmn-js-decision-table-controls.css": "modeler/dmn-js-decision-table-controls.css",
  "dmn-js/dist/assets/dmn-js-drd.css": "modeler/dmn-js-drd.css",
  "dmn-js/dist/assets/dmn-font/css/dmn-embedded.css": "modeler/dmn-embedded.css",
  "@bpmn-io/form-js/dist/assets/form-js.css": "modeler/form-js.css",
  "@bpmn-io/form-js/dist/assets/form-js-editor.css": "modeler/form-js-editor.css",
};
for (const [src, dest] of Object.entries(files)) {
  const from = join(root, "node_modules", src);
  if (!existsSync(from)) { console.error(`missing ${from}`); process.exit(1); }
  const to = join(out, dest);
  mkdirSync(dirname(to), { recursive: true });
  cpSync(from, to);
}
const started = Date.now();
await build({
  entryPoints: [join(root, "webui", "static", "modeler", "editor.js")],
  outfile: join(out, "modeler", "editor.bundle.js"),
  bundle: true, minify: true, format: "iife", target: "es2020", legalComments: "none",
  // form-js's viewer and editor must share one preact (a nested copy breaks their hooks)
  alias: { preact: join(root, "node_modules", "preact") },
  logLevel: "warning", define: { "process.env.NODE_ENV": '"production"' },
});
console.log(`vendored ${Object.keys(files).length} files and built the modeler bundle in ` +
            `${Date.now() - started} ms into webui/static/vendor`);
