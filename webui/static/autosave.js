// Saves the task form as a draft in the background while the user types, so work survives
// a closed tab or an expired session. The server answers 204 to X-Autosave requests, and 409
// with a message when the task closed meanwhile.
(function () {
  "use strict";
  var form = document.getElementById("task-form");
  if (!form || !form.dataset.autosaveSeconds) { return; }
  var status = document.getElementById("autosave-status");
  var seconds = Math.max(1, parseInt(form.dataset.autosaveSeconds, 10) || 60);
  var dirty = false;
  var saving = false;

  function mark() { dirty = true; }
  form.addEventListener("input", mark);
  form.addEventListener("change", mark);
  // A real submit saves or completes the task itself.
  form.addEventListener("submit", function () { dirty = false; });

  function save() {
    if (!dirty || saving) { return; }
    var data = new FormData(form);
    data.set("action", "draft");
    saving = true;
    dirty = false;
    fetch(form.getAttribute("action") || window.location.pathname, {
      method: "POST", body: data, credentials: "same-origin", redirect: "manual",
      headers: { "X-Autosave": "1" }
    }).then(function (response) {
      if (response.status === 409) {
        // the task closed meanwhile: the text stays in the form; say so and stop saving
        return response.text().then(function (message) {
          window.clearInterval(timer);
          status.textContent = message;
        });
      }
      if (response.status !== 204) { throw new Error(String(response.status)); }
      var now = new Date();
      status.textContent = form.dataset.msgSaved + " " +
        String(now.getHours()).padStart(2, "0") + ":" + String(now.getMinutes()).padStart(2, "0");
    }).catch(function () {
      dirty = true;
      status.textContent = form.dataset.msgFailed;
    }).then(function () { saving = false; });
  }
  var timer = window.setInterval(save, seconds * 1000);
}());
