// A running AUDIT/DUDIT score while the questionnaire is filled in. Only a preview: the
// server computes the score (and the zone) again when the task is completed.
(function () {
  "use strict";
  var box = document.getElementById("running-score");
  if (!box) { return; }
  var spec = JSON.parse(box.getAttribute("data-score"));
  var form = box.closest("form");

  function answered(key) {
    var checked = form.querySelector("input[name='" + key + "']:checked");
    return checked ? parseInt(checked.value, 10) : null;
  }

  function update() {
    var total = 0, missing = 0;
    spec.items.forEach(function (key) {
      var points = answered(key);
      if (points === null || isNaN(points)) { missing += 1; } else { total += points; }
    });
    var band = spec.bands.filter(function (b) { return b.min <= total && total <= b.max; })[0];
    var text = (missing ? box.getAttribute("data-msg") : box.getAttribute("data-msg-done"))
      .replace("{score}", String(total) + (band && !missing ? " – " + band.label : ""));
    box.textContent = text;
    box.setAttribute("data-total", String(total));
  }

  form.addEventListener("change", update);
  update();
}());
