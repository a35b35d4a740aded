// Draw the current stage with bpmn-js and mark current and completed tasks.
(function () {
  var box = document.getElementById("diagram");
  if (!box || typeof BpmnJS === "undefined") { return; }
  function fail() { box.textContent = box.dataset.error; box.classList.add("diagram-error"); }
  fetch(box.dataset.src, { credentials: "same-origin", headers: { "Accept": "application/json" } })
    .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
    .then(function (data) {
      var viewer = new BpmnJS({ container: box });
      return viewer.importXML(data.xml).then(function () {
        var canvas = viewer.get("canvas");
        var registry = viewer.get("elementRegistry");
        function mark(ids, cls) {
          ids.forEach(function (id) { if (registry.get(id)) { canvas.addMarker(id, cls); } });
        }
        mark(data.done, "done");
        mark(data.current, "current");
        canvas.zoom("fit-viewport", "auto");
        box.dataset.ready = "1";
        box.dataset.current = data.current.join(",");
      });
    })
    .catch(fail);
})();
