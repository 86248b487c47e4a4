// Passkeys (WebAuthn) for Coffer's web pages: sign-in and registration.
// Buttons carry data-options-url, data-verify-url and data-csrf; the server answers the
// options as JSON (WebAuthn's JSON form) and verifies credential.toJSON().
(function () {
  "use strict";

  function show(errorId, message) {
    var el = document.getElementById(errorId);
    if (el) { el.textContent = message; el.hidden = false; }
  }

  async function post(url, csrf, body) {
    var response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: body === undefined ? "{}" : JSON.stringify(body),
    });
    var data = await response.json().catch(function () { return {}; });
    if (!response.ok) { throw new Error(data.error || ("The server answered " + response.status)); }
    return data;
  }

  async function signIn(button) {
    var csrf = button.dataset.csrf;
    var options = await post(button.dataset.optionsUrl, csrf);
    var publicKey = PublicKeyCredential.parseRequestOptionsFromJSON(options);
    var credential = await navigator.credentials.get({ publicKey: publicKey });
    var result = await post(button.dataset.verifyUrl, csrf, credential.toJSON());
    window.location.assign(result.location);
  }

  async function register(button) {
    var csrf = button.dataset.csrf;
    var nameField = document.getElementById(button.dataset.nameField || "passkey-name");
    var options = await post(button.dataset.optionsUrl, csrf);
    var publicKey = PublicKeyCredential.parseCreationOptionsFromJSON(options);
    var credential = await navigator.credentials.create({ publicKey: publicKey });
    var payload = { credential: credential.toJSON(), name: nameField ? nameField.value : "" };
    var result = await post(button.dataset.verifyUrl, csrf, payload);
    window.location.assign(result.location);
  }

  function wire(id, action, errorId) {
    var button = document.getElementById(id);
    if (!button) { return; }
    if (!window.PublicKeyCredential || !PublicKeyCredential.parseRequestOptionsFromJSON) {
      button.disabled = true;
      show(errorId, "This browser does not support passkeys.");
      return;
    }
    button.addEventListener("click", function () {
      button.disabled = true;
      action(button).catch(function (err) {
        show(errorId, err && err.message ? err.message : String(err));
      }).finally(function () { button.disabled = false; });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    wire("passkey-sign-in", signIn, "passkey-error");
    wire("passkey-register", register, "passkey-error");
  });
})();
