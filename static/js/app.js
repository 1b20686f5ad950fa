// Small progressive touches; every page works without this file.
(function () {
  "use strict";
  // A form whose submit button has data-once can only be sent once per page view: the
  // button is disabled as the form goes out (the server's one-time key is the real guard).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    var buttons = form.querySelectorAll("button[data-once], input[type=submit][data-once]");
    if (!buttons.length) return;
    if (form.dataset.sent === "yes") { event.preventDefault(); return; }
    form.dataset.sent = "yes";
    buttons.forEach(function (button) {
      // Disable after the browser has captured the submitter, so its name/value still go.
      window.setTimeout(function () {
        button.disabled = true;
        button.setAttribute("aria-disabled", "true");
      }, 0);
    });
  });
  // Coming back with the back button must not leave a form stuck as "sent".
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) return;
    document.querySelectorAll("form[data-sent]").forEach(function (form) {
      delete form.dataset.sent;
      form.querySelectorAll("[data-once]").forEach(function (b) { b.disabled = false; b.removeAttribute("aria-disabled"); });
    });
  });
})();
