// Top-ups: a live preview of both balances after the top-up, and a gentle wait for an
// outcome mSpace has not given yet. The pages work without this file: the server renders
// the same figures when the form comes back, and the outcome page has a refresh link.
(function () {
  "use strict";

  var DIGITS = /^[0-9]+$/;

  function grouped(n) {
    return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  }

  // The same rule as the server: ASCII digits only, leading zeros allowed.
  function amountOf(text) {
    text = text.trim();
    if (!DIGITS.test(text)) return null;
    var n = parseInt(text, 10);
    return n >= 1 && Number.isSafeInteger(n) ? n : null;
  }

  function preview(form) {
    var select = form.querySelector("select[name=name]");
    var input = form.querySelector("input[name=noofsms]");
    var box = document.getElementById("topup-preview");
    if (!select || !input || !box) return;
    var balance = parseInt(form.dataset.balance, 10);
    var option = select.options[select.selectedIndex];
    var chosen = option && option.value ? option : null;
    var target = chosen ? parseInt(chosen.dataset.balance, 10) : null;
    var amount = amountOf(input.value);
    var fits = amount !== null && amount <= balance;

    box.querySelector("[data-target-label]").textContent = chosen ? chosen.value : box.dataset.noneLabel;
    var now = box.querySelector("[data-now=target]");
    now.textContent = chosen ? grouped(target) + " SMS" : "choose one above";

    var afters = box.querySelectorAll(".topup-after");
    afters[0].hidden = !fits;
    afters[1].hidden = !(fits && chosen);
    if (fits) box.querySelector("[data-after=reseller]").textContent = grouped(balance - amount);
    if (fits && chosen) box.querySelector("[data-after=target]").textContent = grouped(target + amount);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("topup-form");
    if (form) {
      var update = function () { preview(form); };
      form.addEventListener("input", update);
      form.addEventListener("change", update);
      update();
    }

    // An outcome still in progress: look again every two seconds, for about a minute.
    var waiting = document.querySelector("[data-still-in-progress]");
    if (waiting) {
      var tries = Number(sessionStorage.getItem("topup-poll:" + location.pathname) || 0);
      if (tries < 30) {
        sessionStorage.setItem("topup-poll:" + location.pathname, String(tries + 1));
        window.setTimeout(function () { location.reload(); }, 2000);
      }
    }
  });
})();
