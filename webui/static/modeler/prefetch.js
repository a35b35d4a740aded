// The editor's version files, asked for as soon as the page is parsed: a classic script runs at
// once, while the editor's modules are still downloading and compiling (issue 22, "Light
// editor"); editor.js takes the answer from here instead of asking again. Not part of the bundle.
(function prefetchVersion() {
  const root = document.getElementById("modeler-app");
  if (!root || !window.fetch) { return; }
  const url = `${root.dataset.apiBase}/versions/${root.dataset.version}`;
  window.forlobVersionAnswer = fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(async (response) => ({ status: response.status, data: await response.json() }))
    .catch(() => null);  // editor.js asks again
}());
