// Copy the browser bundles the app serves from node_modules into webui/static/vendor.
import { cpSync, mkdirSync, existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "webui", "static", "vendor");
const files = {
  "bpmn-js/dist/bpmn-navigated-viewer.production.min.js": "bpmn-js/bpmn-navigated-viewer.production.min.js",
  "bpmn-js/dist/bpmn-modeler.production.min.js": "bpmn-js/bpmn-modeler.production.min.js",
  "bpmn-js/dist/assets/diagram-js.css": "bpmn-js/assets/diagram-js.css",
  "bpmn-js/dist/assets/bpmn-js.css": "bpmn-js/assets/bpmn-js.css",
  "bpmn-js/dist/assets/bpmn-font/css/bpmn-embedded.css": "bpmn-js/assets/bpmn-font/css/bpmn-embedded.css",
  "chart.js/dist/chart.umd.min.js": "chart.js/chart.umd.min.js",
};
for (const [src, dest] of Object.entries(files)) {
  const from = join(root, "node_modules", src);
  if (!existsSync(from)) { console.error(`missing ${from}`); process.exit(1); }
  const to = join(out, dest);
  mkdirSync(dirname(to), { recursive: true });
  cpSync(from, to);
}
console.log(`vendored ${Object.keys(files).length} files into webui/static/vendor`);
