// The process owner's BPMN modeler: load one file of a version, deploy the edit as a new version.
(function () {
  "use strict";
  var canvas = document.getElementById("modeler-canvas");
  if (!canvas || typeof window.BpmnJS !== "function") { return; }
  var result = document.getElementById("deploy-result");
  var modeler = new window.BpmnJS({ container: canvas });

  function show(kind, title, items) {
    result.textContent = "";
    var box = document.createElement("div");
    box.className = "flash flash-" + kind;
    var strong = document.createElement("strong");
    strong.textContent = title;
    box.appendChild(strong);
    if (items && items.length) {
      var list = document.createElement("ul");
      items.forEach(function (p) {
        var li = document.createElement("li");
        // p = [file, element, line, message]
        var where = [p[0], p[2] ? "linje " + p[2] : null, p[1]].filter(Boolean).join(", ");
        li.textContent = (where ? where + ": " : "") + p[3];
        list.appendChild(li);
      });
      box.appendChild(list);
    }
    result.appendChild(box);
  }

  fetch(canvas.dataset.xmlUrl, { credentials: "same-origin" })
    .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.text(); })
    .then(function (xml) { return modeler.importXML(xml); })
    .then(function () { modeler.get("canvas").zoom("fit-viewport"); canvas.dataset.ready = "1"; })
    .catch(function () { show("error", canvas.dataset.msgLoad); });

  document.getElementById("deploy-button").addEventListener("click", function () {
    modeler.saveXML({ format: true }).then(function (out) {
      return fetch(canvas.dataset.deployUrl, {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": canvas.dataset.csrf },
        body: JSON.stringify({ filename: canvas.dataset.filename, xml: out.xml,
                               note: document.getElementById("deploy-note").value })
      });
    }).then(function (r) { return r.json(); }).then(function (body) {
      if (body.ok) {
        show("success", canvas.dataset.msgOk + " " + body.version);
      } else {
        show("error", canvas.dataset.msgFailed, body.problems);
      }
    }).catch(function (err) { show("error", canvas.dataset.msgFailed, [[null, null, null, String(err)]]); });
  });
}());
