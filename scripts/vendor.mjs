// Copy the browser bundles the app serves from node_modules into webui/static/vendor, and
// build the modeler's editor bundle (bpmn-js + properties panel + dmn-js + form-js editor +
// bpmnlint + our own modules in webui/static/modeler/) with esbuild. Nothing built is committed.
// The bundle is split (ES modules): editor.bundle.js holds the BPMN modeler, and dmn-js and the
// form-js editor are chunks loaded when their first file is opened (issue 22, "Light editor").
// Chunks are named by their content (chunks/<name>-<hash>.js), so the app caches them for a year.
import {
  cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "webui", "static", "vendor");
// `--editor-into <dir>`: build only the editor bundle, into <dir> (the browser tests serve it in
// place of the vendored one, to try webui/static/modeler/*.js before the next set-up)
const into = process.argv.indexOf("--editor-into");
const editorOnly = into > 0 ? resolve(process.argv[into + 1]) : null;
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
// A server may be serving these files while set-up runs again (the test suite's two databases
// run side by side), so every file is written beside its place and renamed into it: a reader
// sees the old file or the new one, never a half-written one or a missing chunk.
const place = (from, to) => {
  mkdirSync(dirname(to), { recursive: true });
  const part = `${to}.part-${process.pid}`;
  cpSync(from, part);
  renameSync(part, to);
};
for (const [src, dest] of editorOnly ? [] : Object.entries(files)) {
  const from = join(root, "node_modules", src);
  if (!existsSync(from)) { console.error(`missing ${from}`); process.exit(1); }
  place(from, join(out, dest));
}
const started = Date.now();
const modelerOut = editorOnly || join(out, "modeler");
const staging = mkdtempSync(join(tmpdir(), "forlob-editor-"));
const result = await build({
  entryPoints: { "editor.bundle": join(root, "webui", "static", "modeler", "editor.js") },
  outdir: staging, chunkNames: "chunks/[name]-[hash]",
  bundle: true, splitting: true, format: "esm", minify: true, target: "es2020", legalComments: "none",
  // form-js's viewer and editor must share one preact (a nested copy breaks their hooks)
  alias: { preact: join(root, "node_modules", "preact") },
  logLevel: "warning", define: { "process.env.NODE_ENV": '"production"' }, metafile: true,
});
// the chunks the entry imports statically: the page names them as modulepreload, so the
// browser fetches them alongside the entry instead of after parsing it
const entry = Object.entries(result.metafile.outputs).find(([, o]) => o.entryPoint);
const inStaging = (path) => relative(staging, resolve(path));
const preload = entry[1].imports.filter((i) => i.kind === "import-statement")
  .map((i) => relative(join(root, "webui", "static"), join(modelerOut, inStaging(i.path))));
const entryFile = inStaging(entry[0]);
const chunkFiles = Object.keys(result.metafile.outputs).map(inStaging).filter((f) => f !== entryFile);
// chunks first, then the entry that imports them, then the list of what to preload; chunks are
// named by their content, so the ones no longer built go last, once nothing new names them
for (const file of [...chunkFiles, entryFile]) { place(join(staging, file), join(modelerOut, file)); }
if (!editorOnly) {
  writeFileSync(join(staging, "preload.json"), `${JSON.stringify(preload)}\n`);
  place(join(staging, "preload.json"), join(modelerOut, "preload.json"));
}
const fresh = new Set(chunkFiles);
const chunks = join(modelerOut, "chunks");
for (const name of existsSync(chunks) ? readdirSync(chunks) : []) {
  if (!fresh.has(join("chunks", name))) { rmSync(join(chunks, name), { force: true }); }
}
rmSync(staging, { recursive: true, force: true });
console.log(editorOnly ? `built the modeler bundle in ${Date.now() - started} ms into ${editorOnly}`
  : `vendored ${Object.keys(files).length} files and built the modeler bundle in ${Date.now() - started} ms into webui/static/vendor`);
