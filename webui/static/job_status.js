// A running migration job's progress, refreshed in place every 5 s: the page is not reloaded,
// so keyboard focus (e.g. on "Sæt på pause") and the reading position stay where they are.
(function () {
  var live = document.getElementById("job-live");
  if (!live || live.getAttribute("data-running") !== "true") { return; }
  var parts = ["job-status", "job-progress-bar", "job-progress", "job-actions", "failures"];
  // nodes, never markup: the server's page is parsed once by DOMParser and its nodes imported
  function copyChildren(from, to) {
    to.replaceChildren.apply(to, Array.prototype.map.call(from.childNodes, function (n) {
      return document.importNode(n, true);
    }));
  }
  function swap(doc, id) {
    var fresh = doc.getElementById(id), old = document.getElementById(id);
    if (!fresh || !old || fresh.isEqualNode(old)) { return; }
    // keep a focused control that is still there after the swap
    if (old.contains(document.activeElement) && id === "job-actions") { return; }
    copyChildren(fresh, old);
    if (old.tagName === "PROGRESS") { old.value = fresh.value; }
  }
  function poll() {
    fetch(window.location.href, {credentials: "same-origin", headers: {"Accept": "text/html"}})
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        parts.forEach(function (id) { swap(doc, id); });
        var running = doc.getElementById("job-live");
        if (running && running.getAttribute("data-running") === "true") {
          window.setTimeout(poll, 5000);
        } else {
          var actions = document.getElementById("job-actions"), fresh = doc.getElementById("job-actions");
          if (actions && fresh) { copyChildren(fresh, actions); }
          live.setAttribute("data-running", "false");
        }
      })
      .catch(function () { window.setTimeout(poll, 15000); });
  }
  window.setTimeout(poll, 5000);
})();
