// Passkeys for the patient area: activation (create) and login (get). No inline script (CSP).
(function () {
  "use strict";
  function b64uToBuf(s) {
    s = s.replace(/-/g, "+").replace(/_/g, "/");
    while (s.length % 4) { s += "="; }
    var bin = atob(s), out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) { out[i] = bin.charCodeAt(i); }
    return out.buffer;
  }
  function bufToB64u(buf) {
    var bytes = new Uint8Array(buf), bin = "";
    for (var i = 0; i < bytes.length; i++) { bin += String.fromCharCode(bytes[i]); }
    return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  function post(url, body) {
    var token = document.querySelector("input[name=csrf_token]").value;
    return fetch(url, {method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": token},
      body: JSON.stringify(body || {})}).then(function (r) {
        return r.json().then(function (data) { if (!r.ok) { throw new Error(data.error || r.status); } return data; });
      });
  }
  function show(message) {
    var box = document.getElementById("passkey-message");
    box.textContent = message; box.hidden = false;
  }
  var register = document.getElementById("passkey-register");
  if (register) {
    register.addEventListener("click", function () {
      var username = document.getElementById("username").value.trim().toLowerCase();
      post(register.dataset.options, {username: username}).then(function (o) {
        o.challenge = b64uToBuf(o.challenge);
        o.user.id = b64uToBuf(o.user.id);
        (o.excludeCredentials || []).forEach(function (c) { c.id = b64uToBuf(c.id); });
        return navigator.credentials.create({publicKey: o});
      }).then(function (cred) {
        return post(register.dataset.finish, {username: username, credential: {
          id: cred.id, rawId: bufToB64u(cred.rawId), type: cred.type, clientExtensionResults: {},
          response: {clientDataJSON: bufToB64u(cred.response.clientDataJSON),
                     attestationObject: bufToB64u(cred.response.attestationObject)}}});
      }).then(function (done) { window.location = done.redirect; }, function (e) { show(e.message); });
    });
  }
  var login = document.getElementById("passkey-login");
  if (login) {
    login.addEventListener("click", function () {
      post(login.dataset.options).then(function (o) {
        o.challenge = b64uToBuf(o.challenge);
        (o.allowCredentials || []).forEach(function (c) { c.id = b64uToBuf(c.id); });
        return navigator.credentials.get({publicKey: o});
      }).then(function (cred) {
        return post(login.dataset.finish, {
          id: cred.id, rawId: bufToB64u(cred.rawId), type: cred.type, clientExtensionResults: {},
          response: {clientDataJSON: bufToB64u(cred.response.clientDataJSON),
                     authenticatorData: bufToB64u(cred.response.authenticatorData),
                     signature: bufToB64u(cred.response.signature),
                     userHandle: cred.response.userHandle ? bufToB64u(cred.response.userHandle) : null}});
      }).then(function (done) { window.location = done.redirect; }, function (e) { show(e.message); });
    });
  }
}());
