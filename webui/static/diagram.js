// Draw the current stage with bpmn-js and mark current and completed tasks.
// The marks do not rely on colour alone (dashed outline and ▶ for current, ✓ for done), and the
// picture is named: its label lists the same tasks that the page's open-task list shows as text.
(function () {
  var box = document.getElementById("diagram");
  if (!box || typeof BpmnJS === "undefined") { return; }
  function fail() { box.textContent = box.dataset.error; box.classList.add("diagram-error"); }
  function names(registry, ids) {
    return ids.map(function (id) {
      var element = registry.get(id);
      return element && element.businessObject && element.businessObject.name;
    }).filter(Boolean);
  }
  function describe(registry, data) {
    var text = box.dataset.label;
    var current = names(registry, data.current), done = names(registry, data.done);
    if (current.length) { text += " " + box.dataset.labelCurrent + " " + current.join(", ") + "."; }
    if (done.length) { text += " " + box.dataset.labelDone + " " + done.join(", ") + "."; }
    return text;
  }
  fetch(box.dataset.src, { credentials: "same-origin", headers: { "Accept": "application/json" } })
    .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
    .then(function (data) {
      var viewer = new BpmnJS({ container: box });
      return viewer.importXML(data.xml).then(function () {
        var canvas = viewer.get("canvas");
        var registry = viewer.get("elementRegistry");
        var overlays = viewer.get("overlays");
        function mark(ids, cls, symbol) {
          ids.forEach(function (id) {
            if (!registry.get(id)) { return; }
            canvas.addMarker(id, cls);
            var badge = document.createElement("span");
            badge.className = "diagram-mark " + cls;
            badge.setAttribute("aria-hidden", "true");
            badge.textContent = symbol;
            overlays.add(id, "state", { position: { top: -10, right: 10 }, html: badge });
          });
        }
        mark(data.done, "done", "\u2713");
        mark(data.current, "current", "\u25B6");
        canvas.zoom("fit-viewport", "auto");
        // a picture, not a control: the viewer has no keyboard use here, so it leaves the tab order
        var svg = box.querySelector("svg");
        svg.removeAttribute("tabindex");
        svg.setAttribute("role", "img");
        svg.setAttribute("aria-label", describe(registry, data));
        svg.setAttribute("aria-describedby", "diagram-note");
        box.dataset.ready = "1";
        box.dataset.current = data.current.join(",");
      });
    })
    .catch(fail);
})();
