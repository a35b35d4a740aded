// Compare two versions: draw the old and the new diagram and colour what changed.
(function () {
  if (typeof BpmnJS === "undefined") { return; }
  document.querySelectorAll(".compare-diagram").forEach(function (box) {
    var markers = JSON.parse(box.dataset.markers || "{}");
    function fail() { box.textContent = box.dataset.error; box.classList.add("diagram-error"); }
    fetch(box.dataset.src, { credentials: "same-origin" })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.text(); })
      .then(function (xml) {
        var viewer = new BpmnJS({ container: box });
        return viewer.importXML(xml).then(function () {
          var canvas = viewer.get("canvas");
          var registry = viewer.get("elementRegistry");
          var marked = [];
          Object.keys(markers).forEach(function (id) {
            if (registry.get(id)) { canvas.addMarker(id, "diff-" + markers[id]); marked.push(id); }
          });
          canvas.zoom("fit-viewport", "auto");
          box.dataset.ready = "1";
          box.dataset.marked = marked.sort().join(",");
        });
      })
      .catch(fail);
  });
})();
