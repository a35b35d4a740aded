// Compare two versions: draw the old and the new diagram and colour what changed.
(function () {
  if (typeof BpmnJS === "undefined") { return; }
  // Large and zoomable (issue 22): buttons to zoom in and out, fit, and show the changes close up.
  function addZoom(box, canvas, registry, marked) {
    var bar = document.createElement("div");
    bar.className = "zoom-bar";
    bar.setAttribute("role", "group");
    bar.setAttribute("aria-label", box.dataset.zoomLabel || "Zoom");
    function button(text, action) {
      var b = document.createElement("button");
      b.type = "button";
      b.className = "secondary";
      b.textContent = text;
      b.addEventListener("click", function () { action(); box.dataset.zoom = String(Math.round(canvas.zoom() * 100)); });
      bar.appendChild(b);
    }
    button(box.dataset.zoomIn || "+", function () { canvas.zoom(canvas.zoom() * 1.25); });
    button(box.dataset.zoomOut || "-", function () { canvas.zoom(canvas.zoom() / 1.25); });
    button(box.dataset.zoomFit || "Fit", function () { canvas.zoom("fit-viewport", "auto"); });
    if (marked.length) {
      button(box.dataset.zoomChanges || "Changes", function () {
        var shapes = marked.map(function (id) { return registry.get(id); });
        var xs = [], ys = [];
        shapes.forEach(function (s) {
          (s.waypoints || [s]).forEach(function (p) { xs.push(p.x, p.x + (p.width || 0)); ys.push(p.y, p.y + (p.height || 0)); });
        });
        var pad = 60;
        canvas.viewbox({ x: Math.min.apply(null, xs) - pad, y: Math.min.apply(null, ys) - pad,
          width: Math.max.apply(null, xs) - Math.min.apply(null, xs) + 2 * pad,
          height: Math.max.apply(null, ys) - Math.min.apply(null, ys) + 2 * pad });
      });
    }
    box.parentNode.insertBefore(bar, box);
    box.dataset.zoom = String(Math.round(canvas.zoom() * 100));
  }
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
          addZoom(box, canvas, registry, marked);
          box.dataset.ready = "1";
          box.dataset.marked = marked.sort().join(",");
        });
      })
      .catch(fail);
  });
})();
